# The dashboard's page in a real browser: headless Chromium (Debian's
# chromium) driven by playwright-core (npm) against the demo (scripts/demo).
# The browser logs in to the demo app; with the dashboard open, curl
# replays the browser's cookie from another TLS stack; the alert must appear
# on the page without a reload, its timeline must open and show the
# binding and the replay with their evidence, and a screenshot is saved in
# build/test-output/63-page/.  Skipped, saying so, without Chromium or node.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::JS;
use JSON::PP ();
use File::Path qw(make_path);
use POSIX qw(WNOHANG);

my ($chromium) = grep { -x } ($ENV{SG_CHROMIUM} // ()), '/usr/bin/chromium',
                             map { "$_/chromium" } split /:/, $ENV{PATH};
plan skip_all => 'Chromium not found (Debian package chromium, or '
               . 'SG_CHROMIUM=PATH)' unless $chromium;
my ($js, $why) = SGTest::JS->ensure;
plan skip_all => "node packages: $why" unless $js;

my $t = SGTest->new(module => 1);
my $root = $t->root;
my %port = map { $_ => $t->port("DEMO_$_") } qw(HTTPS HTTP APP REDIS);
my $outdir = "$root/build/test-output/63-page";
make_path($outdir);
unlink "$outdir/dashboard.png";

my $out = $t->path('demo.out');
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    setpgrp(0, 0);
    open STDOUT, '>', $out or die;
    open STDERR, '>&', \*STDOUT or die;
    $ENV{"SG_DEMO_${_}_PORT"} = $port{$_} for keys %port;
    $ENV{SG_NGINX} = $t->nginx_binary;
    $ENV{SG_MODULE} = $t->module_static ? 'static' : $t->module_path;
    exec "$root/scripts/demo";
    exit 127;
}

my $up = $t->wait_until(sub {
    -s $out && $t->read_file('demo.out') =~ /Press Ctrl-C to stop/
}, timeout => 30);
ok($up, 'the demo is running') or diag $t->read_file('demo.out');

my ($st, $stdout, $stderr) = $t->run_cmd(
    ['env', "NODE_PATH=$js/node_modules", 'node',
     "$root/t/js/dashboard-page.js", "https://localhost:$port{HTTPS}",
     $outdir, $chromium],
    timeout => 120);
is($st, 0, 'the browser run finished') or diag $stderr;
my $seen = eval { JSON::PP::decode_json($stdout) } || {};

like($seen->{app_says} // '', qr/^verdict=ok\b/,
     'the browser logged in: the app says ok');
ok($seen->{cookie_set}, 'the browser holds the session cookie');
like($seen->{replay_tag} // '', qr/^verdict=tag; .*tls_changed/,
     'curl replayed the cookie: tagged');
like($seen->{session} // '', qr/^[0-9a-f]{16}$/, 'the replay names the session');
is($seen->{rows_before}, 0, 'no alert on the page before the replay');
ok(defined $seen->{alert_after_ms}, 'the alert appeared on the page')
    and diag "after $seen->{alert_after_ms} ms";
ok($seen->{not_reloaded}, '... without a reload');
like($seen->{row_text} // '', qr/\btag\b.*\balice\b.*tls_changed/,
     'the alert row: verdict, user, reasons');
is($seen->{hash}, "#session=$seen->{session}", 'clicking it opens the session');
my @kinds = map { $_->{kind} } @{ $seen->{timeline} || [] };
is_deeply(\@kinds, [qw(bind alert)],
          'its timeline: the binding at login, then the replay');
my $alert = ($seen->{timeline} || [])->[1] || {};
like($alert->{text} // '', qr/device changed/,
     'the timeline marks the device change');
like($alert->{text} // '', qr/tls_changed: another TLS stack/,
     'the timeline shows the evidence');
like($alert->{text} // '', qr/curl/, 'the timeline shows the thief\'s client');
is($seen->{devices}, 2, 'two devices listed');
cmp_ok($seen->{chart} // 0, '>=', 24, 'the chart is drawn');
is($seen->{charset}, 'UTF-8', 'the page is read as UTF-8');
like($seen->{user_row} // '', qr/^\Q$seen->{session}\E .*curl/,
     "alice's view lists the session and the thief's device");
cmp_ok($seen->{farm_rows} // 0, '>=', 1, 'the farm table has the address');
is(scalar @{ $seen->{tls_rows} || [] }, 2,
   'the TLS table has both stacks');
is_deeply($seen->{console_errors} || ['none reported'], [],
          'no error in the browser console (CSP, scripts)');

my $png = '';
if (open my $fh, '<:raw', "$outdir/dashboard.png") {
    local $/;
    $png = <$fh>;
}
is(substr($png, 0, 8), "\x89PNG\r\n\x1a\n", "a screenshot in $outdir");
cmp_ok(length $png, '>', 20_000, 'the screenshot is not blank');

kill 'INT', -$pid;
ok($t->wait_until(sub { waitpid($pid, WNOHANG) == $pid }, timeout => 20),
   'the demo stops');

$t->done;
