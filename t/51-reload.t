# nginx's own life cycle under load: a reload (HUP), a worker killed with
# SIGKILL, a binary upgrade (USR2, then QUIT to the old master), and
# reloads whose secret file is gone, unreadable or too open.
#
# Under wrk (new sessions, a connection a request, so that nginx closing an
# idle keep-alive connection cannot race a request): no request dropped or
# hung, except those in flight in the killed worker.  Sessions bound over
# TLS before stay bound after each step (their own client is ok, a thief
# with another stack is tagged), the counters in shared memory only grow
# and add up across a reload and a killed worker, and the master replaces
# the killed worker while the other goes on serving.  A reload whose
# secret file cannot be used is refused, says why, and keeps the old
# configuration and key serving.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::Load;
use Time::HiRes qw(time sleep);

plan skip_all => 'wrk is not installed' unless SGTest::Load::have_wrk();

my $t = SGTest->new(module => 1, redis => 1, workers => 2, timeout => 300);
my $secret = $t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('www/pass/x', "pass\n");
$t->write_file('www/closed/x', "closed\n");
$t->write_config(<<'CONF');
    log_format faults '$uri $status $session_guard_verdict $request_time';
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_new_sessions off;

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        listen 127.0.0.1:%%PORT_HTTPS%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        access_log %%PREFIX%%/faults.log faults;
        root %%PREFIX%%/www;
        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_threshold tag=40 block=off;
        add_header X-Verdict $session_guard_verdict always;

        location /pass/ { session_guard_on_error pass; }
        location /closed/ { session_guard_on_error 503; }
        location = /metrics { session_guard off; session_guard_metrics; }
    }
CONF
$t->start;

# The test's own TLS stack is no browser's, so it does not claim one
# (client_mismatch is t/33's).
my $UA = 'User-Agent: sg-reload-client/1.0';
my @sids = map { "bound-$_-" . int rand 1e9 } 1 .. 12;
my @stolen = map { "stolen-$_-" . int rand 1e9 } 1 .. 12;

sub verdict {
    my ($sid, @o) = @_;
    my $r = $t->get('/pass/x', https => 1, cookie => "sid=$sid",
                    headers => [$UA], @o);
    return $r->{headers}{'x-verdict'} // "status $r->{status}";
}

is(verdict($_), 'new', "bound $_") for @sids, @stolen;

# Every bound session is still its client's, and a thief is still caught.
my $thieves = 0;
sub bindings_hold {
    my ($label) = @_;
    my @bad = grep { verdict($_) ne 'ok' } @sids;
    is_deeply(\@bad, [], "$label: every binding kept (own client: ok)");
    my $sid = $stolen[$thieves++ % @stolen];
    my $v = verdict($sid, tls_max => '1.2',
                    headers => ['User-Agent: curl/7.88.1']);
    is($v, 'tag', "$label: a thief with another client is tagged");
}

sub metrics {
    my $r = $t->get('/metrics');
    my %m;
    for (split /\n/, $r->{body} // '') {
        next if /^#/;
        $m{$1} = $2 if /^(\S+) (\d+)$/;
    }
    return \%m;
}

# The counters add up: every request looked at got one verdict, but those
# a killed worker had in flight ($lost: at most its connections).
sub metrics_consistent {
    my ($label, $before, $lost) = @_;
    my $m = metrics();
    my $verdicts = 0;
    $verdicts += $m->{$_} for grep { /^session_guard_verdicts_total/ } keys %$m;
    my $requests = $m->{session_guard_requests_total} // 0;
    ok($requests, "$label: metrics served");
    ok($verdicts <= $requests && $requests <= $verdicts + ($lost // 0),
       "$label: verdicts add up to the requests")
        or diag "requests $requests, verdicts $verdicts";
    diag "$label: $requests requests counted, $verdicts verdicts";
    if ($before) {
        my @shrunk = grep { ($m->{$_} // 0) < $before->{$_} } keys %$before;
        is_deeply(\@shrunk, [], "$label: no counter went back");
    }
    return $m;
}

my $run = 0;
sub under_load {
    my ($name, $secs, @events) = @_;
    $run++;
    my $off = length($t->read_file('faults.log') // '');
    my $w = SGTest::Load::wrk_start($t, port => $t->port('HTTP'),
                                    secs => $secs, run => "l$run",
                                    close => 1, conns => 8);
    my $t0 = time;
    for my $ev (@events) {
        my ($at, $do) = @$ev;
        sleep($t0 + $at - time) if $t0 + $at > time;
        $do->();
    }
    my $s = SGTest::Load::wrk_wait($w);
    sleep 0.3;
    my $st = SGTest::Load::log_stats(
        substr($t->read_file('faults.log') // '', $off));
    my $errors = ($s->{connect} // -1) + ($s->{read} // -1)
                 + ($s->{write} // -1) + ($s->{timeout} // -1);
    diag sprintf "%-18s wrk %d requests, %d socket errors (connect %d, read "
        . "%d, write %d, timeout %d), %d logged, %d failed, slowest %.3f s",
        $name, $s->{requests} // 0, $errors, map({ $s->{$_} // -1 }
        qw(connect read write timeout)), $st->{answered}, $st->{error},
        $st->{slowest};
    is(scalar @{ $st->{bad} }, 0, "$name: every answer as configured")
        or diag join "\n", @{ $st->{bad} }[0 .. 4];
    is($st->{error}, 0, "$name: no request failed its check");
    return ($s, $errors, $st);
}

my $m0 = metrics_consistent('before');
bindings_hold('before');

# --- reload (HUP) -----------------------------------------------------------

my @old = sort $t->nginx_workers;
my (undef, $errors) = under_load('reload', 3, [1, sub { $t->reload }]);
is($errors, 0, 'reload: no request dropped or hung');
my @new = sort $t->nginx_workers;
ok(@new == 2 && !grep({ my $n = $_; grep { $_ == $n } @old } @new),
   'reload: two new workers');
bindings_hold('after reload');
my $m1 = metrics_consistent('after reload', $m0);
cmp_ok($m1->{session_guard_requests_total}, '>',
       $m0->{session_guard_requests_total}, 'after reload: counters kept');

# --- a worker killed --------------------------------------------------------

my ($victim, $other) = sort $t->nginx_workers;
my $elog = length $t->error_log;
(undef, $errors) = under_load('SIGKILL', 3, [1, sub { kill 'KILL', $victim }]);
my $lost = $errors;
cmp_ok($errors, '<=', 8,
       'SIGKILL: at most the killed worker\'s requests in flight lost');
ok($t->wait_until(sub { 2 == grep { $_ != $victim } $t->nginx_workers }),
   'SIGKILL: the master started a worker in its place');
ok(kill(0, $other), 'SIGKILL: the other worker goes on');
like(substr($t->error_log, $elog), qr/worker process $victim exited on signal 9/,
     'SIGKILL: the master logged it');
bindings_hold('after SIGKILL');
my $m2 = metrics_consistent('after SIGKILL', $m1, $lost);
# The node's shared cache still answers: the zone's lock was not left held
# by the killed worker (nginx's master frees it).  Over two passes: an
# entry answers for 10 s from its last judgement, not from its last hit, so
# a pass may find every entry just expired and refresh it; the pass after
# it then finds them fresh.
bindings_hold('after SIGKILL, again');
bindings_hold('after SIGKILL, a third time');
my $m3 = metrics();
cmp_ok($m3->{session_guard_shared_cache_hits_total} // 0, '>',
       $m2->{session_guard_shared_cache_hits_total} // 0,
       'after SIGKILL: the shared cache answers');

# --- binary upgrade (USR2, then QUIT to the old master) ---------------------

my $master = $t->nginx_pid;
my $new_master;
(undef, $errors) = under_load('binary upgrade', 5,
    [1, sub { kill 'USR2', $master }],
    [2.5, sub {
        $t->wait_until(sub {
            my $pid = ($t->read_file('nginx.pid') // '') =~ /^(\d+)/ ? $1 : 0;
            return 0 unless $pid && $pid != $master;
            $new_master = $pid;
            return 1 if () = SGTest::Load::children($new_master);
            return 0;
        }, timeout => 5);
        kill 'QUIT', $master;
    }]);
is($errors, 0, 'binary upgrade: no request dropped or hung');
ok($new_master && $new_master != $master, 'binary upgrade: a new master');
ok($t->wait_until(sub { SGTest::Load::gone($master) }, timeout => 10),
   'binary upgrade: the old master left');
# the harness stops the master it knows: from now on, the new one
$t->{nginx_pid} = $new_master;
is(scalar $t->nginx_workers, 2, 'binary upgrade: the new master\'s workers');
bindings_hold('after binary upgrade');
# A new master has new shared memory: its counters start again, and add up.
metrics_consistent('after binary upgrade');

# --- reloads with a secret file that cannot be used -------------------------

for my $case (
    ['deleted', qr/No such file/, sub { unlink $secret }],
    ['a directory', qr/not a regular file/,
     sub { unlink $secret; mkdir $secret, 0700 }],
    ['empty', qr/short|empty/, sub { $t->write_file('secret', '') }],
    ['readable by others', qr/readable by everyone/,
     sub { chmod 0644, $secret }],
) {
    my ($what, $why, $break) = @$case;
    $break->();
    my @w = sort $t->nginx_workers;
    my $off = length $t->error_log;
    kill 'HUP', $t->nginx_pid;
    ok($t->wait_until(sub {
        substr($t->error_log, $off) =~ /\[emerg\].*secret/
    }), "secret file $what: reload refused");
    my ($line) = substr($t->error_log, $off) =~ /^(.*\[emerg\].*)$/m;
    like($line // '', qr/\Q$secret\E/, "secret file $what: the log names it");
    like($line // '', $why, "secret file $what: and says why");
    diag "secret file $what: " . ($line // '') =~ s/^.*?\[emerg\] \S+ //r;
    sleep 0.5;
    is_deeply([sort $t->nginx_workers], \@w,
              "secret file $what: the old workers serve on");
    bindings_hold("secret file $what");
    # restore
    rmdir $secret if -d $secret;
    $t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
}
ok(eval { $t->reload }, 'secret file back: reload accepted') or diag $@;
bindings_hold('secret file back');

# A worker killed while it held a shared zone's lock: nginx's master says
# so at alert and frees the lock (the shared cache answering after it is
# checked above); anything else at alert is a failure.
my $killed = qr/worker process $victim exited on signal 9/;
my $locked = qr/shared memory zone "[^"]+" was locked by $victim$/;
$t->done(allow => qr/\[emerg\].*secret|$killed|$locked/);
