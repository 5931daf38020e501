package SGTest;

# Integration-test harness for session_guard: a fresh prefix per test file,
# real nginx (daemonized, master + workers), real redis-server, curl and raw
# sockets as clients, and an error-log check at the end.  Every wait is
# bounded; teardown runs from done(), DESTROY, END and on INT/TERM/HUP.
# See docs/testing.md for how to write a test with it.

use strict;
use warnings;

use Cwd qw(abs_path);
use Errno qw(EINTR);
use File::Basename qw(dirname);
use File::Path qw(make_path remove_tree);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP ();
use POSIX qw(WNOHANG _exit);
use Scalar::Util qw(weaken refaddr);
use Test::More ();
use Time::HiRes qw(time sleep);

our $VERSION = '0.1';

my $ROOT = abs_path(File::Spec->catdir(dirname(abs_path(__FILE__)),
                                       File::Spec->updir, File::Spec->updir));
my $MODULE_REL = 'build/ngx_http_session_guard_module.so';

my %LIVE;          # refaddr => weakened harness object, for END and signals
my %PORTS_TAKEN;   # ports handed out by any object of this process
my $SIGNALS_SET;
my $RESP_MARK = '@@SGTEST-RESPONSE@@';


# ---------------------------------------------------------------- creation

sub new {
    my ($class, %opt) = @_;

    my $self = bless {
        opt        => \%opt,
        owner      => $$,
        ports      => {},
        vars       => {},
        certs      => {},
        nginx_bin  => $ENV{TEST_NGINX_BINARY} || '/usr/sbin/nginx',
        module     => $ENV{TEST_NGINX_MODULE}
                      || File::Spec->catfile($ROOT, $MODULE_REL),
        keep       => exists $opt{keep} ? $opt{keep} : $ENV{TEST_KEEP},
        reqno      => 0,
    }, $class;

    # TEST_NGINX_MODULE=static: the module is compiled into the binary
    # (--add-module), so no load_module is written.
    $self->{static} = $self->{module} eq 'static' ? 1 : 0;

    _skip_all("nginx binary not found: $self->{nginx_bin}")
        unless -x $self->{nginx_bin};
    _skip_all("session_guard module not built: $self->{module} (build it "
              . "first)") if $opt{module} && !$self->{static}
                             && !-f $self->{module};
    _skip_all('curl not found') unless _which('curl');
    _skip_all('openssl CLI not found') unless _which('openssl');
    _skip_all('redis-server not found')
        if $opt{redis} && !_which('redis-server');

    my $dir = tempdir('sgtest-' . ('X' x 8), DIR => '/tmp',
                       CLEANUP => 0);
    chmod 0755, $dir or die "chmod $dir: $!";
    $self->{prefix} = $dir;

    $LIVE{refaddr $self} = $self;
    weaken $LIVE{refaddr $self};
    _install_signal_handlers();
    _become_subreaper();

    my $limit = exists $opt{timeout} ? $opt{timeout}
              : ($ENV{TEST_TIMEOUT} || 300);
    if ($limit) {
        $SIG{ALRM} = sub {
            Test::More::diag("SGTest: watchdog: test still running after "
                             . "${limit}s, tearing down");
            _teardown_all();
            _exit(124);
        };
        alarm $limit;
    }

    $self->port('REDIS') if $opt{redis};
    return $self;
}

sub prefix      { $_[0]{prefix} }
sub testdir     { $_[0]{prefix} }
sub root        { $ROOT }
sub module_path { $_[0]{module} }
sub module_static { $_[0]{static} }
sub nginx_binary { $_[0]{nginx_bin} }
sub nginx_pid   { $_[0]{nginx_pid} }
sub redis_pid   { $_[0]{redis_pid} }
sub redis_port  { $_[0]->port('REDIS') }
sub redis_socket { "$_[0]{prefix}/redis.sock" }

sub path {
    my ($self, $rel) = @_;
    return $rel =~ m{^/} ? $rel : "$self->{prefix}/$rel";
}

sub port {
    my ($self, $name) = @_;
    return $name if $name =~ /^\d+$/;
    $name = uc $name;
    return $self->{ports}{$name} //= _free_port();
}

sub define {
    my ($self, $name, $value) = @_;
    $self->{vars}{uc $name} = $value;
    return $self;
}


# ------------------------------------------------------------------- files

sub write_file {
    my ($self, $name, $content, $mode) = @_;
    my $file = $self->path($name);
    $self->_mkdir(dirname($file));
    open my $fh, '>:raw', $file or die "write $file: $!";
    print {$fh} $content;
    close $fh or die "close $file: $!";
    # The module refuses a secret or password file others can read: files
    # named "secret" are the owner's alone unless told otherwise.
    chmod($mode // ($name =~ /secret/ ? 0600 : 0644), $file);
    return $file;
}

sub read_file {
    my ($self, $name) = @_;
    my $file = $self->path($name);
    open my $fh, '<:raw', $file or return undef;
    local $/;
    my $text = <$fh>;
    return defined $text ? $text : '';
}

sub _mkdir {
    my ($self, $dir) = @_;
    return if -d $dir;
    my @made = make_path($dir, { mode => 0755 });
    chmod 0755, @made;
}


# ------------------------------------------------------------- certificates

sub make_cert {
    my ($self, $name, $hosts, %o) = @_;
    $hosts //= 'localhost';
    my @hosts = ref $hosts ? @$hosts : ($hosts);
    my $type = $o{type} || 'rsa';

    my $crt = "$self->{prefix}/$name.crt";
    my $key = "$self->{prefix}/$name.key";
    my @san = map { /^[\d.]+$|:/ ? "IP:$_" : "DNS:$_" } @hosts;
    push @san, 'IP:127.0.0.1' unless grep { $_ eq '127.0.0.1' } @hosts;

    my @newkey = $type eq 'ec'
        ? ('-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1')
        : ('-newkey', 'rsa:2048');
    my ($st, $out, $err) = $self->run_cmd(
        ['openssl', 'req', '-x509', @newkey, '-nodes', '-sha256',
         '-days', '30', '-subj', "/CN=$hosts[0]",
         '-addext', 'subjectAltName=' . join(',', @san),
         '-keyout', $key, '-out', $crt], timeout => 30);
    die "SGTest: openssl failed for cert '$name': $err$out" if $st != 0;
    chmod 0644, $crt, $key;

    $self->{certs}{lc $name} = [$crt, $key];
    return ($crt, $key);
}

sub _cert {
    my ($self, $name) = @_;
    $name = lc $name;
    $self->make_cert($name, 'localhost') unless $self->{certs}{$name};
    return @{ $self->{certs}{$name} };
}


# ------------------------------------------------------------ configuration

sub write_config {
    my ($self, $body) = @_;
    my $o = $self->{opt};
    my $p = $self->{prefix};
    my $level = $o->{debug} ? 'debug' : 'info';
    my $workers = $o->{workers} || 1;

    my $conf = '';
    $conf .= "load_module %%MODULE%%;\n\n" if $o->{module} && !$self->{static};
    $conf .= <<"CONF";
daemon on;
master_process on;
worker_processes $workers;
error_log $p/error.log $level;
pid $p/nginx.pid;
CONF
    $conf .= "$o->{main}\n" if defined $o->{main};
    $conf .= <<"CONF";

events {
    worker_connections 1024;
}

http {
    client_body_temp_path $p/client_body_temp;
    proxy_temp_path $p/proxy_temp;
    fastcgi_temp_path $p/fastcgi_temp;
    uwsgi_temp_path $p/uwsgi_temp;
    scgi_temp_path $p/scgi_temp;
    access_log $p/access.log;

$body
}
CONF
    return $self->write_raw_config($conf);
}

sub write_raw_config {
    my ($self, $conf) = @_;
    $conf = $self->render($conf);
    $self->{conf} = $conf;
    $self->write_file('nginx.conf', $conf);
    return "$self->{prefix}/nginx.conf";
}

sub config { $_[0]{conf} }

# Replaces %%NAME%% placeholders; dies on an unknown one so typos show.
sub render {
    my ($self, $text) = @_;
    $text =~ s/%%([A-Z0-9_]+)%%/$self->_placeholder($1)/ge;
    return $text;
}

sub _placeholder {
    my ($self, $name) = @_;
    return $self->{vars}{$name} if exists $self->{vars}{$name};
    return $self->port($1) if $name =~ /^PORT_(\w+)$/;
    return $self->{prefix} if $name eq 'PREFIX' || $name eq 'TESTDIR';
    return $self->{module} if $name eq 'MODULE';
    if ($name eq 'LOAD_MODULE') {
        return $self->{static} ? '' : "load_module $self->{module};";
    }
    return $self->port('REDIS') if $name eq 'REDIS_PORT';
    return $self->redis_socket if $name eq 'REDIS_SOCKET';
    return ($self->_cert('default'))[0] if $name eq 'CERT';
    return ($self->_cert('default'))[1] if $name eq 'KEY';
    return ($self->_cert($1))[0] if $name =~ /^CERT_(\w+)$/;
    return ($self->_cert($1))[1] if $name =~ /^KEY_(\w+)$/;
    die "SGTest: unknown placeholder %%$name%%\n";
}

# TCP ports and unix sockets nginx listens on, from the rendered config.
sub _listens {
    my ($self) = @_;
    my $conf = $self->{conf} // '';
    $conf =~ s/#[^\n]*//g;
    my (@ports, @sockets);
    while ($conf =~ /(?:^|[\s;{}])listen\s+([^\s;]+)([^;]*);/g) {
        my ($addr, $rest) = ($1, $2);
        next if $rest =~ /\budp\b|\bquic\b/;
        if ($addr =~ /^unix:(.+)$/) {
            push @sockets, $1;
        } elsif ($addr =~ /:(\d+)$/ || $addr =~ /^(\d+)$/) {
            push @ports, $1;
        } else {
            push @ports, 80;
        }
    }
    my %seen;
    return ([grep { !$seen{$_}++ } @ports], \@sockets);
}


# -------------------------------------------------------------------- nginx

sub _nginx_cmd {
    my ($self, $log, @extra) = @_;
    my $p = $self->{prefix};
    return [$self->{nginx_bin}, '-p', "$p/", '-c', "$p/nginx.conf",
            '-e', $log, @extra];
}

sub nginx_t {
    my ($self) = @_;
    die "SGTest: no config written\n" unless defined $self->{conf};
    my ($st, $out, $err) = $self->run_cmd(
        $self->_nginx_cmd("$self->{prefix}/nginx-t.log", '-t'),
        timeout => 20);
    return ($st == 0 ? 1 : 0, $err . $out);
}

sub start {
    my ($self) = @_;
    die "SGTest: no config written\n" unless defined $self->{conf};
    die "SGTest: nginx already running\n" if $self->nginx_running;

    $self->redis_start if $self->{opt}{redis} && !$self->redis_running;

    my $pidfile = "$self->{prefix}/nginx.pid";
    unlink $pidfile;
    my ($st, $out, $err, $timed_out) = $self->run_cmd(
        $self->_nginx_cmd("$self->{prefix}/error.log"), timeout => 20);
    if ($st != 0) {
        $self->_adopt_pid;
        $self->stop_nginx if $self->{nginx_pid};
        die $self->_failure("nginx failed to start (status $st"
                            . ($timed_out ? ', timed out' : '') . ")",
                            "$err$out");
    }

    my ($ports, $sockets) = $self->_listens;
    my $ready = $self->wait_until(sub {
        $self->_adopt_pid or return 0;
        return 0 unless _children($self->{nginx_pid});
        my $listening = _listening_ports();
        for my $p (@$ports) { return 0 unless $listening->{$p} }
        for my $s (@$sockets) { return 0 unless -S $s }
        return 1;
    }, timeout => 5);

    unless ($ready) {
        my $what = $self->{nginx_pid}
            ? 'nginx started but does not listen on every port ('
              . join(', ', @$ports, @$sockets) . ')'
            : 'nginx wrote no pid file';
        $self->stop_nginx;
        die $self->_failure($what, '');
    }
    return $self;
}

sub restart {
    my ($self) = @_;
    $self->stop_nginx;
    return $self->start;
}

sub _adopt_pid {
    my ($self) = @_;
    return $self->{nginx_pid} if $self->{nginx_pid};
    my $text = $self->read_file('nginx.pid') // return undef;
    return undef unless $text =~ /^(\d+)\s*$/;
    return $self->{nginx_pid} = $1;
}

sub nginx_running {
    my ($self) = @_;
    return $self->{nginx_pid} && _alive($self->{nginx_pid}) ? 1 : 0;
}

sub nginx_workers {
    my ($self) = @_;
    return () unless $self->nginx_running;
    return _children($self->{nginx_pid});
}

sub reload {
    my ($self, %o) = @_;
    die "SGTest: nginx is not running\n" unless $self->nginx_running;
    my $timeout = $o{timeout} || 5;
    my %old = map { $_ => 1 } $self->nginx_workers;
    my $log_before = length $self->error_log;

    kill 'HUP', $self->{nginx_pid};
    my $rejected;
    my $ok = $self->wait_until(sub {
        if (substr($self->error_log, $log_before) =~ /^.*\[emerg\].*$/m) {
            $rejected = $&;
            return 1;
        }
        my @now = $self->nginx_workers;
        return 0 if grep { $old{$_} } @now;
        return scalar(grep { !$old{$_} } @now) > 0;
    }, timeout => $timeout);
    die "SGTest: nginx rejected the new configuration: $rejected\n"
        if $rejected;
    die $self->_failure('nginx reload did not replace the workers within '
                        . "${timeout}s", '') unless $ok;

    my ($ports) = $self->_listens;
    $self->wait_until(sub {
        my $l = _listening_ports();
        return !grep { !$l->{$_} } @$ports;
    }, timeout => 3);
    return 1;
}

sub stop_nginx {
    my ($self) = @_;
    $self->_adopt_pid;
    my $pid = delete $self->{nginx_pid} or return;
    my %kids = map { $_ => 1 } _children($pid);

    for my $step (['QUIT', 5], ['TERM', 3], ['KILL', 2]) {
        last if _wait_gone($pid, 0);
        %kids = (%kids, map { $_ => 1 } _children($pid));
        kill $step->[0], $pid;
        _wait_gone($pid, $step->[1]);
    }
    my @left = grep { _alive($_) } keys %kids;
    kill 'KILL', @left if @left;
    _wait_gone($_, 1) for $pid, keys %kids;
    unlink "$self->{prefix}/nginx.pid";
    return 1;
}

sub _failure {
    my ($self, $what, $output) = @_;
    my $log = $self->error_log;
    my @lines = split /\n/, $log;
    splice @lines, 0, @lines - 60 if @lines > 60;
    my $msg = "SGTest: $what\n";
    $msg .= "--- output ---\n$output\n" if length($output // '');
    $msg .= "--- error.log ($self->{prefix}/error.log) ---\n"
            . join("\n", @lines) . "\n";
    return $msg;
}


# -------------------------------------------------------------------- redis

sub redis_running {
    my ($self) = @_;
    return $self->{redis_pid} && _alive($self->{redis_pid}) ? 1 : 0;
}

sub redis_start {
    my ($self) = @_;
    return $self if $self->redis_running;
    _skip_all('redis-server not found') unless _which('redis-server');

    my $dir = "$self->{prefix}/redis";
    $self->_mkdir($dir);
    my $port = $self->port('REDIS');
    my $sock = $self->redis_socket;
    my @extra = @{ $self->{opt}{redis_args} || [] };

    my $pid = _spawn(
        ['redis-server', '--port', $port, '--bind', '127.0.0.1',
         '--dir', $dir, '--save', '', '--appendonly', 'no',
         '--unixsocket', $sock, '--unixsocketperm', '777',
         '--daemonize', 'no', '--protected-mode', 'no',
         '--logfile', "$dir/redis.log", @extra],
        stdout => "$dir/redis.out", stderr => "$dir/redis.out",
        parent_death => 1);
    $self->{redis_pid} = $pid;

    my $up = $self->wait_until(sub {
        die "exited\n" unless _alive($pid);
        return _redis_ping($port);
    }, timeout => 5);
    unless ($up) {
        my $log = ($self->read_file('redis/redis.log') // '')
                  . ($self->read_file('redis/redis.out') // '');
        $self->redis_stop;
        die "SGTest: redis-server did not answer PING on port $port\n$log";
    }
    return $self;
}

sub redis_stop {
    my ($self) = @_;
    if (my $c = delete $self->{redis_client}) {
        eval { $c->quit };
    }
    my $pid = delete $self->{redis_pid} or return;
    for my $step (['TERM', 3], ['KILL', 2]) {
        last if _wait_gone($pid, 0);
        kill $step->[0], $pid;
        _wait_gone($pid, $step->[1]);
    }
    return 1;
}

sub redis {
    my ($self) = @_;
    die "SGTest: redis is not running\n" unless $self->redis_running;
    my $c = $self->{redis_client};
    return $c if $c && eval { $c->ping };
    require Redis;
    # redis_auth => [USER, PASSWORD]: the tests' own client logs in as USER
    # (a Redis whose default user may do next to nothing).
    my @auth = $self->{opt}{redis_auth}
        ? (username => $self->{opt}{redis_auth}[0],
           password => $self->{opt}{redis_auth}[1])
        : ();
    return $self->{redis_client} = Redis->new(
        @auth,
        server        => '127.0.0.1:' . $self->port('REDIS'),
        reconnect     => 2,
        every         => 50_000,
        cnx_timeout   => 1,
        read_timeout  => 3,
        write_timeout => 3,
    );
}

# redis_cmd('HGETALL', $key): list in list context, scalar (arrayref for an
# array reply) in scalar context.  Dies with the server's error message.
sub redis_cmd {
    my ($self, $cmd, @args) = @_;
    my $method = uc $cmd;
    $method =~ s/\s+/_/g;
    return $self->redis->$method(@args);
}

sub _redis_ping {
    my ($port) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 0.5) or return 0;
    syswrite $s, "PING\r\n";
    my $buf = '';
    return 0 unless IO::Select->new($s)->can_read(0.5);
    sysread $s, $buf, 64;
    return $buf =~ /^\+PONG/ ? 1 : 0;
}


# ------------------------------------------------------------ curl clients

sub get {
    my ($self, $path, %o) = @_;
    my @r = $self->_curl([[$path, %o]]);
    return $r[0];
}

# get_many([[path, %opts], ...], %common): one curl process, one connection
# (when the options allow reuse); check $r->{num_connects}.
sub get_many {
    my ($self, $reqs, %common) = @_;
    my @list = map { my ($p, %o) = @$_; [$p, %common, %o] } @$reqs;
    return $self->_curl(\@list);
}

sub _curl {
    my ($self, $reqs) = @_;
    my $n = ++$self->{reqno};
    my $dir = "$self->{prefix}/curl";
    $self->_mkdir($dir);

    my (@args, @files, $budget);
    for my $i (0 .. $#$reqs) {
        my ($path, %o) = @{ $reqs->[$i] };
        my $tag = "$dir/$n-$i";
        push @files, $tag;
        push @args, '--next' if $i;
        push @args, $self->_curl_args($path, $tag, %o);
        $budget += $o{max_time} // 5;
    }

    my ($st, $out, $err, $timed_out) = $self->run_cmd(
        ['curl', @args], timeout => $budget + 5);

    my @info = map { eval { JSON::PP::decode_json($_) } || {} }
               ($out =~ /^\Q$RESP_MARK\E(.*)$/mg);
    my @res;
    for my $i (0 .. $#$reqs) {
        my $r = _parse_response($self->read_file("$files[$i].h") // '',
                                $self->read_file("$files[$i].b") // '',
                                $info[$i] || {});
        if (!$r->{status}) {
            $r->{error} = $info[$i] && $info[$i]{errormsg}
                ? "curl: $info[$i]{errormsg}"
                : "curl exit $st" . ($timed_out ? ' (killed)' : '')
                  . ": $err";
        }
        unlink "$files[$i].h", "$files[$i].b", "$files[$i].d";
        push @res, $r;
    }
    return @res;
}

sub _curl_args {
    my ($self, $path, $tag, %o) = @_;
    my $tls = $o{https} || $o{http2};
    my $port = $self->port($o{port} // ($tls ? 'HTTPS' : 'HTTP'));
    my $host = $o{host} // 'localhost';
    my $max = $o{max_time} // 5;
    my $cto = $max < 3 ? $max : 3;
    my $url_host = $host =~ /:/ ? "[$host]" : $host;
    $path = "/$path" unless $path =~ m{^/};

    my @a = ('-s', '-S', '-k', '--max-time', $max, '--connect-timeout', $cto,
             '-D', "$tag.h", '-o', "$tag.b",
             '-w', "\n$RESP_MARK%{json}\n");
    push @a, '--resolve', "$host:$port:127.0.0.1"
        unless $host =~ /^[\d.]+$|:/;

    push @a, '--http2' if $o{http2};
    push @a, '--http2-prior-knowledge' if $o{h2c};
    push @a, '--http1.1' if $tls && !$o{http2};
    push @a, '--http1.0' if $o{http1_0};
    push @a, '--no-alpn' if defined $o{alpn} && !$o{alpn};
    push @a, "--tlsv$o{tls_min}" if $o{tls_min};
    push @a, '--tls-max', $o{tls_max} if $o{tls_max};
    push @a, '--ciphers', $o{ciphers} if $o{ciphers};
    push @a, '--tls13-ciphers', $o{tls13_ciphers} if $o{tls13_ciphers};
    push @a, '--curves', $o{curves} if $o{curves};
    push @a, '--interface', $o{source_ip} if $o{source_ip};

    my $h = $o{headers} || [];
    my @hdr = ref $h eq 'HASH' ? map { "$_: $h->{$_}" } sort keys %$h : @$h;
    push @a, map { ('-H', $_) } @hdr;
    push @a, '-H', "Cookie: $o{cookie}" if defined $o{cookie};
    push @a, '-X', $o{method} if $o{method};
    if (defined $o{body}) {
        open my $fh, '>:raw', "$tag.d" or die "write $tag.d: $!";
        print {$fh} $o{body};
        close $fh;
        push @a, '--data-binary', "\@$tag.d";
    }
    push @a, @{ $o{curl_args} } if $o{curl_args};
    push @a, ($tls ? 'https' : 'http') . "://$url_host:$port$path";
    return @a;
}

sub _parse_response {
    my ($head, $body, $info) = @_;
    my @blocks = grep { /^HTTP\// } split /\r?\n\r?\n/, $head;
    my $last = $blocks[-1] // '';
    my @lines = split /\r?\n/, $last;
    my $status_line = shift(@lines) // '';

    my (%h, %all);
    for my $l (@lines) {
        next unless $l =~ /^([^:\s]+):\s*(.*?)\s*$/;
        my $name = lc $1;
        $h{$name} = $2;
        push @{ $all{$name} }, $2;
    }
    my ($ver, $status) = $status_line =~ m{^HTTP/([\d.]+)\s+(\d{3})};

    return {
        status       => $status // 0,
        http_version => $ver // ($info->{http_version} || ''),
        status_line  => $status_line,
        headers      => \%h,
        header_all   => \%all,
        raw_headers  => $last,
        body         => $body,
        elapsed      => $info->{time_total} // 0,
        num_connects => $info->{num_connects} // 0,
        reused       => ($status && !$info->{num_connects}) ? 1 : 0,
        info         => $info,
    };
}


# --------------------------------------------------------------- raw socket

# http_raw($port_name, $bytes, tls => 0|1, sni => 'host', alpn => ['h2'],
#          timeout => 5, until => qr/.../, source_ip => '127.0.0.2')
# Returns everything read until EOF, a match of `until`, or the timeout.
sub http_raw {
    my ($self, $port, $bytes, %o) = @_;
    my $timeout = $o{timeout} // 5;
    my $deadline = time + $timeout;

    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $self->port($port),
        Proto => 'tcp', Timeout => $timeout,
        ($o{source_ip} ? (LocalAddr => $o{source_ip}) : ()),
    ) or die "SGTest: connect to port $port: $@\n";

    if ($o{tls}) {
        require IO::Socket::SSL;
        IO::Socket::SSL->start_SSL($s,
            SSL_verify_mode => IO::Socket::SSL::SSL_VERIFY_NONE(),
            SSL_hostname => $o{sni} // 'localhost',
            ($o{alpn} ? (SSL_alpn_protocols => $o{alpn}) : ()),
            Timeout => $timeout,
        ) or die "SGTest: TLS handshake with port $port failed: "
                 . IO::Socket::SSL::errstr() . "\n";
    }

    my $off = 0;
    while ($off < length $bytes) {
        my $w = syswrite $s, $bytes, length($bytes) - $off, $off;
        if (!defined $w) {
            next if $! == EINTR;
            last;
        }
        $off += $w;
    }

    my $buf = '';
    my $sel = IO::Select->new($s);
    while ((my $left = $deadline - time) > 0) {
        unless ($o{tls} && $s->pending) {
            next unless $sel->can_read($left);
        }
        my $r = sysread $s, $buf, 65536, length $buf;
        if (!defined $r) {
            next if $! == EINTR;
            last;
        }
        last if $r == 0;
        last if $o{until} && $buf =~ $o{until};
    }
    close $s;
    return $buf;
}


# --------------------------------------------------------------- error log

sub error_log {
    my ($self) = @_;
    return $self->read_file('error.log') // '';
}

sub access_log {
    my ($self) = @_;
    return $self->read_file('access.log') // '';
}

# wait_log(qr/.../, timeout => 3): true once the error log matches.
sub wait_log {
    my ($self, $re, %o) = @_;
    return $self->wait_until(sub { $self->error_log =~ $re },
                             timeout => $o{timeout} // 3);
}

# Lines of an error-log text that the end-of-test check rejects.
sub bad_log_lines {
    my ($text, $allow) = @_;
    return grep {
        /\[(?:alert|crit|emerg)\]/ || /exited on signal/
            || /runtime error:|ERROR: AddressSanitizer|SUMMARY: \w+Sanitizer/
    } grep { !$allow || $_ !~ $allow } split /\n/, $text // '';
}

# Reports a sanitized nginx wrote since the last check (scripts/test-asan
# points ASAN_OPTIONS/UBSAN_OPTIONS log_path at SG_SANITIZER_REPORTS); each
# is renamed *.seen once reported, so that it fails one suite only.
sub sanitizer_reports {
    my $dir = $ENV{SG_SANITIZER_REPORTS} or return ();
    my @out;
    for my $f (sort grep { !/\.seen$/ } glob("$dir/*")) {
        open my $fh, '<', $f or next;
        local $/;
        my $text = <$fh> // '';
        close $fh;
        push @out, "== $f", (split /\n/, $text)[0 .. 30];
        rename $f, "$f.seen";
    }
    return grep { defined } @out;
}

sub check_error_log {
    my ($self, %o) = @_;
    my $log = $self->error_log;
    my @bad = bad_log_lines($log, $o{allow});
    push @bad, sanitizer_reports();
    my $ok = Test::More::ok(!@bad, 'no alert/crit/emerg in error.log');
    Test::More::diag(join "\n", 'offending lines:', @bad) if @bad;
    return $ok;
}

sub done {
    my ($self, %o) = @_;
    $self->stop_nginx;
    $self->redis_stop;
    $self->check_error_log(%o);

    if (!Test::More->builder->is_passing) {
        my @lines = split /\n/, $self->error_log;
        splice @lines, 0, @lines - 40 if @lines > 40;
        Test::More::diag(join "\n", "last lines of error.log:", @lines)
            if @lines;
    }
    $self->teardown;
    alarm 0 unless grep { defined } values %LIVE;
    Test::More::done_testing();
}

sub stop {
    my ($self) = @_;
    $self->stop_nginx;
    $self->redis_stop;
}

sub teardown {
    my ($self) = @_;
    return unless $self->{owner} && $self->{owner} == $$;
    return if $self->{torn_down}++;
    local ($?, $@, $!);
    eval { $self->stop_nginx };
    eval { $self->redis_stop };
    delete $LIVE{refaddr $self};
    delete $PORTS_TAKEN{$_} for values %{ $self->{ports} };
    return unless -d ($self->{prefix} // '');
    if ($self->{keep}) {
        print STDERR "# SGTest: kept test directory $self->{prefix}\n";
    } else {
        remove_tree($self->{prefix}, { safe => 0 });
    }
}

sub DESTROY {
    my ($self) = @_;
    $self->teardown;
}

sub _teardown_all {
    for my $t (grep { defined } values %LIVE) {
        $t->teardown;
    }
}

END {
    local $?;
    _teardown_all();
}

sub _install_signal_handlers {
    return if $SIGNALS_SET++;
    my %code = (INT => 130, TERM => 143, HUP => 129);
    for my $sig (keys %code) {
        my $prev = $SIG{$sig};
        next if ref $prev;
        $SIG{$sig} = sub {
            _teardown_all();
            _exit($code{$sig});
        };
    }
}


# ------------------------------------------------------------------- utils

sub wait_until {
    my ($self, $cond, %o) = @_;
    my $deadline = time + ($o{timeout} // 5);
    my $step = $o{interval} // 0.05;
    while (1) {
        my $v = eval { $cond->() };
        return 0 if $@;
        return $v if $v;
        return 0 if time >= $deadline;
        sleep $step;
    }
}

# run_cmd([argv], timeout => N, stdin => $bytes):
#     ($exit_status, $stdout, $stderr, $timed_out); no shell involved.
sub run_cmd {
    my ($self, $cmd, %o) = @_;
    my $base = -d ($self->{prefix} // '') ? $self->{prefix} : '/tmp';
    my $tmp = tempdir('cmd-' . ('X' x 6), DIR => $base, CLEANUP => 0);
    my ($in, $out, $err) = map { "$tmp/$_" } qw(in out err);
    if (defined $o{stdin}) {
        open my $fh, '>:raw', $in or die "write $in: $!";
        print {$fh} $o{stdin};
        close $fh;
    }
    my $pid = _spawn($cmd, stdout => $out, stderr => $err,
                     (defined $o{stdin} ? (stdin => $in) : ()));
    my $status = _wait_child($pid, $o{timeout} // 10);
    my $timed_out = 0;
    if (!defined $status) {
        $timed_out = 1;
        kill 'KILL', $pid;
        $status = _wait_child($pid, 2) // -1;
    }
    my $slurp = sub {
        open my $fh, '<:raw', $_[0] or return '';
        local $/;
        my $s = <$fh>;
        return $s // '';
    };
    my @res = ($status == -1 ? -1 : $status >> 8, $slurp->($out),
               $slurp->($err), $timed_out);
    remove_tree($tmp);
    return @res;
}

sub _spawn {
    my ($cmd, %o) = @_;
    my $pid = fork;
    die "SGTest: fork: $!" unless defined $pid;
    return $pid if $pid;

    # child: no END blocks, no shell
    eval {
        open STDIN, '<', $o{stdin} // '/dev/null' or die;
        open STDOUT, '>', $o{stdout} // '/dev/null' or die;
        open STDERR, '>', $o{stderr} // '/dev/null' or die;
        _set_parent_death_signal() if $o{parent_death};
        exec { $cmd->[0] } @$cmd;
    };
    _exit(127);
}

# prctl(2) through syscall(); a no-op on architectures not listed.
sub _prctl {
    my ($option, $arg) = @_;
    require Config;
    my $arch = $Config::Config{archname} // '';
    my $nr = $arch =~ /^x86_64/ ? 157 : $arch =~ /^aarch64/ ? 167 : undef;
    return defined $nr ? syscall($nr, $option, $arg) : -1;
}

# Ask Linux to kill a child (redis) if the test process dies hard.
sub _set_parent_death_signal { _prctl(1, 9) }    # PR_SET_PDEATHSIG, SIGKILL

# Become the parent of the daemonized nginx master, so that it is reaped
# here rather than left a zombie under a PID 1 that does not reap.
sub _become_subreaper { _prctl(36, 1) }          # PR_SET_CHILD_SUBREAPER

# Wait for our own child; returns $? or undef on timeout.
sub _wait_child {
    my ($pid, $timeout) = @_;
    my $deadline = time + $timeout;
    while (1) {
        my $r = waitpid $pid, WNOHANG;
        return $? if $r == $pid;
        return 0 if $r == -1;
        return undef if time >= $deadline;
        sleep 0.01;
    }
}

# Wait until $pid is gone, reaping it if it is our child (or, as a
# subreaper, our orphaned descendant).
sub _wait_gone {
    my ($pid, $timeout) = @_;
    my $deadline = time + $timeout;
    while (1) {
        waitpid $pid, WNOHANG;
        if (!_alive($pid)) {
            waitpid $pid, WNOHANG;
            return 1;
        }
        return 0 if time >= $deadline;
        sleep 0.02;
    }
}

# True while $pid exists and is not a zombie (a daemon's zombie may linger
# when PID 1 does not reap).
sub pid_alive { _alive($_[-1]) }

sub _alive {
    my ($pid) = @_;
    return 0 unless $pid && kill 0, $pid;
    my $stat = _proc_stat($pid) or return 0;
    return $stat->{state} eq 'Z' ? 0 : 1;
}

sub _proc_stat {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/stat" or return undef;
    my $line = <$fh> // return undef;
    my $close = rindex $line, ')';
    return undef if $close < 0;
    my @f = split ' ', substr($line, $close + 2);
    return { state => $f[0], ppid => $f[1] };
}

sub _children {
    my ($ppid) = @_;
    opendir my $dh, '/proc' or return ();
    my @kids;
    for my $pid (grep { /^\d+$/ } readdir $dh) {
        my $s = _proc_stat($pid) or next;
        push @kids, $pid if $s->{ppid} == $ppid && $s->{state} ne 'Z';
    }
    return @kids;
}

sub _listening_ports {
    my %l;
    for my $f ('/proc/net/tcp', '/proc/net/tcp6') {
        open my $fh, '<', $f or next;
        while (<$fh>) {
            my @c = split;
            next unless @c > 3 && $c[3] eq '0A';
            $l{hex $1} = 1 if $c[1] =~ /:([0-9A-Fa-f]+)$/;
        }
    }
    return \%l;
}

# A free loopback port below the ephemeral range, so that client sockets
# cannot take it between allocation and nginx's bind().
sub _free_port {
    for (1 .. 500) {
        my $p = 20000 + int rand 12000;
        next if $PORTS_TAKEN{$p};
        my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
                                      LocalPort => $p, Proto => 'tcp',
                                      Listen => 1) or next;
        close $s;
        $PORTS_TAKEN{$p} = 1;
        return $p;
    }
    die "SGTest: no free port found\n";
}

sub _which {
    my ($prog) = @_;
    for my $d (split /:/, $ENV{PATH} // '/usr/bin:/bin') {
        return "$d/$prog" if -x "$d/$prog";
    }
    return undef;
}

sub _skip_all {
    my ($why) = @_;
    Test::More::plan(skip_all => $why);
}

1;
