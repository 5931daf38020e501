package SGTest::Load;

# Load and processes for the fault suites (t/5x-*.t): wrk runs in the
# background with many distinct sessions (t/helpers/faults.lua), the
# access log lines they left, server processes the test starts itself
# (real redis-server instances with their own options, t/helpers/
# fake-redis), and the workers' memory.
#
# The access log format the suites use:
#     log_format faults '$uri $status $session_guard_verdict $request_time';

use strict;
use warnings;
use POSIX qw(WNOHANG);
use Time::HiRes qw(time sleep);

my $LUA = 't/helpers/faults.lua';

sub have_wrk {
    return scalar grep { -x "$_/wrk" } split /:/, $ENV{PATH} // '';
}

# Starts a process with stdout and stderr to $log; returns its pid.
sub spawn {
    my ($argv, $log) = @_;
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', $log or POSIX::_exit(127);
        open STDERR, '>&', \*STDOUT;
        { exec @$argv }
        POSIX::_exit(127);
    }
    return $pid;
}

# TERM (or $sig), then KILL after 3 s; reaps it.
sub stop {
    my ($pid, $sig) = @_;
    return unless $pid;
    kill $sig // 'TERM', $pid;
    my $end = time + 3;
    while (time < $end) {
        return if waitpid($pid, WNOHANG) == $pid;
        sleep 0.02;
    }
    kill 'KILL', $pid;
    waitpid $pid, 0;
}

sub wait_for {
    my ($cond, $timeout) = @_;
    my $end = time + ($timeout // 5);
    while (time < $end) {
        return 1 if $cond->();
        sleep 0.05;
    }
    return $cond->() ? 1 : 0;
}

# redis-cli against 127.0.0.1:$port, with the password if given; output.
sub cli {
    my ($port, $pw, @cmd) = @_;
    my @auth = defined $pw ? ('-a', $pw, '--no-auth-warning') : ();
    # its complaints (a server not up yet) are for the caller to judge
    open my $err, '>&', \*STDERR or die "dup: $!";
    open STDERR, '>', '/dev/null';
    my $ok = open my $fh, '-|', 'redis-cli', '-p', $port, @auth, @cmd;
    open STDERR, '>&', $err;
    die "redis-cli: $!" unless $ok;
    local $/;
    my $out = <$fh> // '';
    close $fh;
    return $out;
}

# A real redis-server on $port (no persistence), with extra @args; waits
# until it answers PING (with $pw, if given) and returns its pid.
sub redis_server {
    my ($t, $port, $pw, @args) = @_;
    my $dir = $t->path("redis-$port");
    mkdir $dir;
    my $pid = spawn(['redis-server', '--port', $port, '--bind', '127.0.0.1',
                     '--dir', $dir, '--save', '', '--appendonly', 'no',
                     '--daemonize', 'no', '--protected-mode', 'no',
                     (defined $pw ? ('--requirepass', $pw) : ()), @args],
                    "$dir/redis.log");
    wait_for(sub { cli($port, $pw, 'PING') =~ /PONG/ }, 5)
        or die "redis-server on $port did not start:\n"
               . ($t->read_file("redis-$port/redis.log") // '');
    return $pid;
}

# t/helpers/fake-redis on $port in @mode; waits until it listens.
sub fake_redis {
    my ($t, $port, @mode) = @_;
    my $log = $t->path("fake-redis-$port.log");
    unlink $log;
    my $pid = spawn(['t/helpers/fake-redis', $port, @mode], $log);
    wait_for(sub { ($t->read_file("fake-redis-$port.log") // '') =~ /ready/ },
             5) or die "fake-redis on $port did not start";
    return $pid;
}

# wrk in the background: $secs seconds against http://127.0.0.1:$port/
# with $conns connections, new sessions named after $run; close => 1 for
# a connection a request.
sub wrk_start {
    my ($t, %o) = @_;
    my $out = $t->path("wrk-$o{run}.out");
    unlink $out;
    my $pid = spawn(['wrk', '-t1', '-c' . ($o{conns} // 8),
                     '-d' . ($o{secs} // 3) . 's',
                     '--timeout', ($o{timeout} // 3) . 's', '-s', $LUA,
                     "http://127.0.0.1:$o{port}/", '--', $o{run},
                     ($o{close} ? 'close' : ())], $out);
    return { pid => $pid, out => $out, run => $o{run} };
}

# Waits for a wrk_start run; its wrk-summary figures (a hash).
sub wrk_wait {
    my ($w) = @_;
    waitpid $w->{pid}, 0;
    open my $fh, '<', $w->{out} or return {};
    local $/;
    my $text = <$fh> // '';
    my ($line) = $text =~ /^(wrk-summary .*)$/m;
    my %s = ($line // '') =~ /\b(\w+)=(\d+)/g;
    $s{text} = $text;
    return \%s;
}

# Figures of the access log lines between two offsets: answered, per
# location and verdict, the statuses seen, the slowest request.
sub log_stats {
    my ($text) = @_;
    my %s = (answered => 0, slowest => 0, error => 0, open => 0,
             closed => 0, bad => []);
    for my $line (split /\n/, $text) {
        my ($uri, $status, $verdict, $rt) = split / /, $line;
        next unless defined $rt && $uri =~ m{^/(pass|closed)/};
        my $loc = $1;
        $s{answered}++;
        $s{"$loc $verdict $status"}++;
        $s{slowest} = $rt if $rt > $s{slowest};
        if ($verdict eq 'error') {
            $s{error}++;
            $s{slowest_error} = $rt if $rt > ($s{slowest_error} // 0);
            $loc eq 'pass' ? $s{open}++ : $s{closed}++;
        }
        # What each location must answer: pass goes on (200) whatever the
        # verdict; closed refuses (503) exactly the requests it could not
        # check.
        my $want = $loc eq 'closed' && $verdict eq 'error' ? 503 : 200;
        push @{ $s{bad} }, $line if $status != $want;
    }
    return \%s;
}

# True when the nginx under test is built with AddressSanitizer (make
# test-asan): its redzones and quarantine make RSS no measure, and it runs
# slower.
sub sanitized {
    my ($t) = @_;
    my $bin = $t->nginx_binary;
    return `ldd '$bin' 2>/dev/null` =~ /libasan/ ? 1 : 0;
}

# The live child processes of $ppid (e.g. a new master's workers).
sub children {
    my ($ppid) = @_;
    return SGTest::_children($ppid);
}

# True once $pid has exited (reaped here if it was a child of ours).
sub gone {
    my ($pid) = @_;
    return 1 if waitpid($pid, WNOHANG) == $pid;
    open my $fh, '<', "/proc/$pid/stat" or return 1;
    my $stat = <$fh> // '';
    return $stat =~ /^\d+ \(.*\) Z/ ? 1 : 0;
}

sub rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    local $/;
    my ($kb) = (<$fh> // '') =~ /^VmRSS:\s+(\d+) kB/m;
    return $kb // 0;
}

1;
