package SGTest::JS;

# The node packages some tests use (t/js/package.json: playwright-core,
# parse-prometheus-text-format), installed with npm into build/js once
# and again whenever t/js/package.json changes.
#
#   my ($dir, $why) = SGTest::JS->ensure;   # $dir undef: skip with $why
#   my $out = SGTest::JS->run($t, 'prom-parse.js', stdin => $text);

use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Copy qw(copy);
use File::Path qw(make_path);
use File::Spec;

my $ROOT = abs_path(File::Spec->catdir(dirname(abs_path(__FILE__)),
                                       File::Spec->updir, File::Spec->updir,
                                       File::Spec->updir));

sub root { $ROOT }
sub dir  { "$ROOT/build/js" }

sub _same {
    my ($a, $b) = @_;
    open my $fa, '<:raw', $a or return 0;
    open my $fb, '<:raw', $b or return 0;
    local $/;
    return <$fa> eq <$fb>;
}

sub ensure {
    my ($class) = @_;
    my $dir = $class->dir;
    my $src = "$ROOT/t/js";

    return (undef, 'node not found (Debian package nodejs)')
        unless grep { -x "$_/node" } split /:/, $ENV{PATH} // '';
    return (undef, 'npm not found (Debian package npm)')
        unless grep { -x "$_/npm" } split /:/, $ENV{PATH} // '';

    return ($dir) if -d "$dir/node_modules/playwright-core"
                     && -d "$dir/node_modules/parse-prometheus-text-format"
                     && _same("$src/package.json", "$dir/package.json");

    make_path($dir);
    copy("$src/$_", "$dir/$_") or return (undef, "copy $_: $!")
        for qw(package.json package-lock.json);
    my $log = "$dir/npm-install.log";
    system("cd '$dir' && npm ci --no-audit --no-fund >'$log' 2>&1") == 0
        or return (undef, "npm ci failed in $dir (see $log)");
    return ($dir);
}

1;
