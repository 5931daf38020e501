# The labelled corpus: every t/corpus/*.jsonl scenario replayed through
# scripts/replay (a private stack per file: Redis, nginx with the module and
# the test geo databases, the demo-like app), every expectation checked, and
# the detection rates over all labelled requests held to their thresholds:
# true-positive rate >= 0.99 (attack requests tagged or blocked) and
# false-positive rate <= 0.005 (benign requests tagged or blocked).  A
# login's verdict is the one given at issuance (the replay stack shows it on
# the login page).
#
# A failed expectation names the file and line, what was expected, what came
# back and why (score and reasons, taken from the stack's guard log when the
# request was blocked before it reached the app).  SG_CORPUS=PATTERN limits
# the run to the files whose name matches (the rates are then checked only
# when the whole corpus ran).
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(basename dirname);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use JSON::PP ();
use POSIX qw(WEXITSTATUS WIFEXITED);
use Test::More;
use Time::HiRes qw(time);

my $MIN_TPR = 0.99;
my $MAX_FPR = 0.005;
my $MIN_FILES = 100;

my $root = abs_path(dirname(abs_path(__FILE__)) . '/..');
# the nginx and module the harness (t/lib/SGTest.pm) would run
my $module = $ENV{TEST_NGINX_MODULE}
             || "$root/build/ngx_http_session_guard_module.so";
my $replay = "$root/build/sg-replay";
my $stack = "$root/scripts/replay";
my $nginx = $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx';

plan(skip_all => "session_guard module not built: $module")
    unless $module eq 'static' || -f $module;
plan(skip_all => "sg-replay not built: $replay") unless -x $replay;
plan(skip_all => "nginx not found: $nginx") unless -x $nginx;
for my $tool (qw(redis-server redis-cli openssl timeout)) {
    plan(skip_all => "$tool not found")
        unless grep { -x "$_/$tool" } split /:/, ($ENV{PATH} || '');
}

{
    # scripts/replay runs without place data when these cannot be built,
    # and most attack scenarios need it
    my $dir = tempdir('sg-corpus-mmdb-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $out = `perl -I'$root/t/lib' '$root/t/fixtures/make-mmdb.pl' '$dir' 2>&1`;
    plan(skip_all => 'the test geo databases cannot be built: '
                     . ((split /\n/, $out)[0] // '')) if $?;
}

my $corpus = "$root/t/corpus";
my @files = sort glob("$corpus/*.jsonl");
my $only = $ENV{SG_CORPUS};
@files = grep { basename($_) =~ /$only/ } @files if defined $only;
plan(skip_all => "no corpus file matches SG_CORPUS=$only")
    if defined $only && !@files;

my $json = JSON::PP->new;
my %EXPECT_FOR = (benign => { map { $_ => 1 } qw(pass ok new) },
                  attack => { map { $_ => 1 } qw(alert tag block) });
my %count = (benign => { n => 0, alerted => 0 },
             attack => { n => 0, alerted => 0 });
my (%files_by_label, @disagreements);
my $started = time;

# ------------------------------------------------------------ the corpus
# Checked before anything runs: each file tells a story that starts with a
# login, and each labelled request says what should happen and why.

if (!defined $only) {
    cmp_ok(scalar @files, '>=', $MIN_FILES, "at least $MIN_FILES scenarios");

    my $readme = -r "$corpus/README.md" ? slurp("$corpus/README.md") : '';
    my @missing = grep { index($readme, basename($_)) < 0 } @files;
    ok(!@missing, 't/corpus/README.md describes every scenario')
        or diag("not in t/corpus/README.md: "
            . join(" ", map { basename($_) } @missing));
}

for my $file (@files) {
    my $name = basename($file);
    my (@problems, %labels);
    my $n = 0;

    open my $fh, '<', $file or die "$file: $!";
    while (my $line = <$fh>) {
        next unless $line =~ /\S/;
        my $where = "$name:$.";
        my $r = eval { $json->decode($line) };
        if (!$r) {
            push @problems, "$where: not JSON";
            next;
        }
        if (!$n++ && !$r->{login}) {
            push @problems, "$where: the story does not start with a login";
        }
        my $label = $r->{label};
        next unless defined $label;
        if (!$EXPECT_FOR{$label}) {
            push @problems, "$where: unknown label \"$label\"";
            next;
        }
        $labels{$label}++;
        if (!defined $r->{expect}) {
            push @problems, "$where: $label request without an expect";
        } elsif (!$EXPECT_FOR{$label}{ $r->{expect} }) {
            push @problems, "$where: expect \"$r->{expect}\" contradicts "
                            . "label \"$label\"";
        }
        if (!defined $r->{note} || $r->{note} !~ /\S/) {
            push @problems, "$where: $label request without a note";
        }
    }
    close $fh;

    push @problems, "$name: no labelled request" unless %labels;
    my $kind = $labels{attack} ? 'attack' : 'benign';
    push @{ $files_by_label{$kind} }, $name;

    ok(!@problems, "$name is a well-formed story ($kind)")
        or diag(join "\n", @problems);
}

if (!defined $only) {
    my ($nb, $na) = map { scalar @{ $files_by_label{$_} || [] } }
                    qw(benign attack);
    ok(abs($na - $nb) <= 0.2 * ($na + $nb),
       "scenarios are balanced: $nb benign, $na attack");
}

# ------------------------------------------------------------ the replays

for my $file (@files) {
    my $name = basename($file);
    my ($rc, $out, $err) = run_replay($file);

    my $kept = $err =~ /^replay: kept (\S+)$/m ? $1 : undef;
    my @log;
    if (defined $kept && $kept =~ m{^/tmp/sg-replay\.\w+$}) {
        @log = grep { /\S/ } split /\n/, slurp("$kept/guard.log");
        remove_tree($kept);
    }
    (my $stderr = $err) =~ s/^replay: kept \S+\n//mg;

    my $doc = $rc != 2 ? eval { $json->decode($out) } : undef;
    if (!$doc) {
        fail("$name: replayed");
        diag("scripts/replay exited $rc\n$stderr$out");
        next;
    }

    my @reqs = @{ $doc->{requests} };
    my $from_log = @log == @reqs;
    my @problems;

    for my $i (0 .. $#reqs) {
        my $r = $reqs[$i];
        my $where = "$name:$r->{line}";
        my ($score, $reasons) = ($r->{score}, $r->{reasons});
        if ((!defined $score || $reasons eq '') && $from_log
            && $log[$i] =~ /verdict=\S+ score=(\S*) reasons=(\S*)/)
        {
            ($score, $reasons) = ($1, $2);
        }
        my $why = sprintf('%s %s, score %s, reasons %s', $r->{status} // '-',
                          $r->{verdict}, $score // '-',
                          length($reasons // '') ? $reasons : '-');

        if ($r->{verdict} eq 'failed') {
            push @problems, "$where: no response ("
                            . ($r->{error} // 'unknown error') . ')';
        }
        if (defined $r->{expect} && !$r->{expect_ok}) {
            my $d = sprintf('%s: expected %s%s, got %s -- %s', $where,
                            $r->{expect},
                            $r->{label} ? " ($r->{label})" : '', $why,
                            $r->{note} // '');
            push @problems, $d;
            push @disagreements, $d;
        }

        my $label = $r->{label};
        next unless defined $label && $count{$label};
        $count{$label}{n}++;
        $count{$label}{alerted}++ if $r->{verdict} =~ /^(?:tag|block)$/;
        note(sprintf('  %-5s %-6s %s', $label, $r->{verdict}, $where))
            if $ENV{SG_CORPUS_VERBOSE};
    }

    if ($stderr =~ /nginx logged/) {
        push @problems, "$name: nginx logged alerts:\n$stderr";
    }

    ok(!@problems, "$name: " . scalar(@reqs) . ' requests as the story says')
        or diag(join "\n", @problems);
}

# ------------------------------------------------------------ the rates

my ($ben, $att) = ($count{benign}, $count{attack});
my $tpr = $att->{n} ? $att->{alerted} / $att->{n} : undef;
my $fpr = $ben->{n} ? $ben->{alerted} / $ben->{n} : undef;

my $summary = sprintf("corpus: %d files in %.1fs; %d attack requests, %d "
                      . "alerted; %d benign requests, %d alerted",
                      scalar @files, time - $started, $att->{n},
                      $att->{alerted}, $ben->{n}, $ben->{alerted});
diag($summary);
diag(defined $tpr ? sprintf('true-positive rate : %.3f (%d of %d)', $tpr,
                            $att->{alerted}, $att->{n})
                  : 'true-positive rate : n/a (no attack requests)');
diag(defined $fpr ? sprintf('false-positive rate: %.3f (%d of %d)', $fpr,
                            $ben->{alerted}, $ben->{n})
                  : 'false-positive rate: n/a (no benign requests)');
diag(scalar(@disagreements) . ' expectation(s) failed') if @disagreements;

if (!defined $only) {
    ok(defined $tpr && $tpr >= $MIN_TPR, "true-positive rate >= $MIN_TPR");
    ok(defined $fpr && $fpr <= $MAX_FPR, "false-positive rate <= $MAX_FPR");
    my ($lo, $hi) = sort { $a <=> $b } ($att->{n}, $ben->{n});
    ok($hi && $lo >= 0.6 * $hi,
       "labelled requests are roughly balanced ($att->{n} attack, "
       . "$ben->{n} benign)");
}

done_testing();


# Runs one scenario on its own stack; returns the exit status, stdout (the
# --json document) and stderr.
sub run_replay {
    my ($file) = @_;
    my $dir = tempdir('sg-corpus-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my ($out, $err) = ("$dir/out", "$dir/err");

    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        $ENV{SG_REPLAY_KEEP} = 1;
        $ENV{SG_NGINX} = $nginx;
        $ENV{SG_MODULE} = $module;
        open STDOUT, '>', $out or POSIX::_exit(127);
        open STDERR, '>', $err or POSIX::_exit(127);
        exec('timeout', '60', $stack, $file, '--json')
            or POSIX::_exit(127);
    }
    waitpid($pid, 0);
    my $rc = WIFEXITED($?) ? WEXITSTATUS($?) : 2;

    return ($rc, slurp($out), slurp($err));
}

sub slurp {
    my ($path) = @_;
    open my $fh, '<', $path or return '';
    local $/;
    my $s = <$fh>;
    return defined $s ? $s : '';
}
