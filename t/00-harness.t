# Self-test of t/lib/SGTest.pm against plain nginx (no session_guard module)
# and a real redis-server: TLS and backend server blocks, HTTP/1.1, HTTPS,
# HTTP/2, connection reuse, SNI, raw sockets, reload, Redis restart, the
# error-log check, config errors, and teardown on die and on SIGTERM.

use strict;
use warnings;
use lib 't/lib';
use Test::More;
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(time);
use SGTest;

my $t = SGTest->new(redis => 1);

# ---- the error-log check itself, on strings
{
    my $log = join "\n",
        '2024/01/01 00:00:00 [notice] 1#1: start worker processes',
        '2024/01/01 00:00:00 [error] 2#2: *1 open() failed',
        '2024/01/01 00:00:01 [crit] 2#2: *3 SSL_do_handshake() failed',
        '2024/01/01 00:00:02 [notice] 1#1: worker process 2 exited on signal 11',
        '2024/01/01 00:00:03 [alert] 1#1: unexpected thing',
        '2024/01/01 00:00:04 [emerg] 1#1: bind() failed';
    my @bad = SGTest::bad_log_lines($log);
    is(scalar @bad, 4, 'log check: crit, alert, emerg and a crash are bad');
    like($bad[0], qr/\[crit\]/, 'log check: the [crit] line is reported');
    ok(!grep({ /\[error\]/ } @bad), 'log check: [error] is tolerated');
    is(scalar SGTest::bad_log_lines($log, qr/SSL_do_handshake|signal|\[alert|bind/),
       0, 'log check: allow => qr// excuses lines');
    is(scalar SGTest::bad_log_lines(''), 0, 'log check: empty log is clean');
}

# ---- module => 1 skips when the .so is missing
{
    local $ENV{TEST_NGINX_MODULE} = '/nonexistent/ngx_http_session_guard_module.so';
    my ($st, $out) = $t->run_cmd(
        [$^X, '-It/lib', '-MSGTest', '-e', 'SGTest->new(module => 1)'],
        timeout => 10);
    like($out, qr/^1\.\.0 # SKIP .*not built/m, 'module => 1 skips without .so');
}

# ---- config errors: nginx -t names file and line
{
    my $conf = $t->write_config(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        bogus_directive_here on;
    }
CONF
    my @lines = split /\n/, $t->config;
    my ($line) = grep { $lines[$_ - 1] =~ /bogus_directive_here/ } 1 .. @lines;
    my ($ok, $out) = $t->nginx_t;
    ok(!$ok, 'nginx_t: bad config fails');
    like($out, qr/unknown directive "bogus_directive_here" in \Q$conf\E:$line\b/,
         "nginx_t: output names $conf:$line");
    eval { $t->write_config('x %%NO_SUCH_THING%%;') };
    like($@, qr/unknown placeholder %%NO_SUCH_THING%%/, 'unknown placeholder dies');
}

# ---- the real config
my ($sni_crt, $sni_key) = $t->make_cert('sni', 'a.example');
ok(-s $sni_crt && -s $sni_key, 'make_cert writes cert and key');

$t->write_file('html/static.txt', "static file\n");
my $body_conf = <<'CONF';
    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        add_header X-Conn $connection always;
        add_header X-Conn-Req $connection_requests always;
        add_header X-TLS $ssl_protocol always;
        add_header X-SNI $ssl_server_name always;
        add_header X-Multi one always;
        add_header X-Multi two always;

        location / {
            proxy_set_header X-Front-Proto $server_protocol;
            proxy_set_header X-Body $request_body;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /static/ {
            alias %%TESTDIR%%/html/;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        server_name a.example;
        ssl_certificate %%CERT_SNI%%;
        ssl_certificate_key %%KEY_SNI%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / { return 200 "vhost=a\n"; }
    }

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location / {
            add_header X-Conn $connection always;
            proxy_set_header X-Front-Proto $server_protocol;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location / {
            return 200 "VERSION m=$request_method uri=$uri proto=$http_x_front_proto ua=$http_user_agent cookie=$http_cookie x=$http_x_test body=$http_x_body\n";
        }
    }
CONF

(my $conf_v1 = $body_conf) =~ s/VERSION/v1/;
$t->write_config($conf_v1);
my ($ok, $out) = $t->nginx_t;
ok($ok, 'nginx_t: good config passes') or diag $out;
like($out, qr/syntax is ok/, 'nginx_t: output has nginx\'s verdict');

my $t0 = time;
$t->start;
ok($t->nginx_running, 'nginx started');
ok($t->redis_running, 'redis started with nginx');
my @workers = $t->nginx_workers;
is(scalar @workers, 1, 'one worker process');
ok(-S $t->redis_socket, 'redis unix socket exists');
is((stat $t->redis_socket)[2] & 0777, 0777, 'redis unix socket is 0777');
is((stat $t->prefix)[2] & 0777, 0755, 'prefix is 0755');
my %p = map { $_ => $t->port($_) } qw(HTTP HTTPS BACKEND REDIS);
is(scalar(keys %{{ reverse %p }}), 4, 'four distinct ports');
like($t->config, qr/listen 127\.0\.0\.1:$p{HTTPS} ssl http2/, 'ports substituted');
like($t->config, qr/error_log \Q${\ $t->prefix}\E\/error\.log info/, 'error_log in prefix');

# ---- HTTP/1.1 cleartext
my $r = $t->get('/plain?q=1', headers => ['User-Agent: agent-a', 'X-Test: 42'],
                cookie => 'sid=abc');
is($r->{status}, 200, 'http: status');
is($r->{http_version}, '1.1', 'http: HTTP/1.1');
like($r->{body}, qr/^v1 m=GET uri=\/plain proto=HTTP\/1\.1 ua=agent-a cookie=sid=abc x=42 /,
     'http: request line, headers and cookie reach the backend');
is($r->{headers}{'content-type'}, 'text/plain', 'http: lower-cased headers');
ok($r->{elapsed} > 0 && $r->{elapsed} < 5, 'http: elapsed is measured');

# ---- HTTPS, HTTP/1.1 and HTTP/2
$r = $t->get('/tls', https => 1);
is($r->{status}, 200, 'https: status');
is($r->{http_version}, '1.1', 'https: HTTP/1.1 over TLS');
is($r->{headers}{'x-tls'}, 'TLSv1.3', 'https: TLSv1.3 by default');
is($r->{headers}{'x-sni'}, 'localhost', 'https: SNI localhost');
is_deeply($r->{header_all}{'x-multi'}, ['one', 'two'], 'https: header_all');
is($r->{headers}{'x-multi'}, 'two', 'https: headers keeps the last value');

$r = $t->get('/h2', http2 => 1, headers => ['User-Agent: agent-b']);
is($r->{status}, 200, 'http2: status');
is($r->{http_version}, '2', 'http2: HTTP/2');
like($r->{body}, qr/proto=HTTP\/2\.0 ua=agent-b/, 'http2: nginx saw HTTP/2.0');

$r = $t->get('/v12', https => 1, tls_max => '1.2',
             ciphers => 'ECDHE-RSA-AES128-GCM-SHA256', curves => 'prime256v1');
is($r->{headers}{'x-tls'}, 'TLSv1.2', 'https: tls_max => 1.2');

$r = $t->get('/', http2 => 1, host => 'a.example');
is($r->{body}, "vhost=a\n", 'sni: host => a.example selects the vhost');
is($r->{headers}{'x-sni'}, undef, 'sni: other server block answered');

$r = $t->get('/static/static.txt', https => 1);
is($r->{body}, "static file\n", 'static file served by a worker running as nobody');

$r = $t->get('/post', https => 1, method => 'PUT', body => "payload-1",
             headers => ['Content-Type: text/plain']);
like($r->{body}, qr/m=PUT uri=\/post .* body=payload-1$/m, 'method and body');

# ---- several requests over one connection
for my $h2 (0, 1) {
    my $what = $h2 ? 'http2' : 'https/1.1';
    my @rs = $t->get_many([ ['/k1'], ['/k2', headers => ['X-Test: second']],
                            ['/k3', cookie => 'sid=three'] ],
                          https => 1, http2 => $h2);
    is(scalar @rs, 3, "$what get_many: three responses");
    is_deeply([map { $_->{status} } @rs], [200, 200, 200], "$what get_many: statuses");
    is_deeply([map { $_->{num_connects} } @rs], [1, 0, 0],
              "$what get_many: one connect, then reuse");
    my %conn = map { $_->{headers}{'x-conn'} => 1 } @rs;
    is(scalar keys %conn, 1, "$what get_many: nginx saw one connection");
    like($rs[1]{body}, qr/uri=\/k2 .*x=second/, "$what get_many: per-request headers");
    like($rs[2]{body}, qr/cookie=sid=three/, "$what get_many: per-request cookie");
    is($rs[2]{http_version}, $h2 ? '2' : '1.1', "$what get_many: protocol");
    is($rs[2]{headers}{'x-conn-req'}, 3, "$what get_many: connection_requests")
        unless $h2;
}

# ---- raw sockets
my $raw = $t->http_raw('HTTP', "GET /raw HTTP/1.0\r\nHost: x\r\n\r\n");
like($raw, qr{^HTTP/1\.1 200 OK\r\n.*\r\n\r\nv1 m=GET uri=/raw proto=HTTP/1\.0}s,
     'http_raw: plain');
$raw = $t->http_raw('HTTPS', "GET /rawtls HTTP/1.1\r\nHost: localhost\r\n"
                             . "Connection: close\r\n\r\n", tls => 1);
like($raw, qr{^HTTP/1\.1 200 OK\r\n.*X-TLS: TLSv1\.3}s, 'http_raw: tls');
$raw = $t->http_raw('HTTP', "GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
                    until => qr/\r\n\r\n.*\n/s, timeout => 3);
like($raw, qr/uri=\/a/, 'http_raw: until => stops on a keep-alive connection');

# ---- client timeouts are bounded
{
    my $silent = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                       Listen => 5, Proto => 'tcp')
        or die "listen: $!";
    my $start = time;
    my $sr = $t->get('/', port => $silent->sockport, max_time => 1);
    my $took = time - $start;
    is($sr->{status}, 0, 'max_time: no status from a silent server');
    like($sr->{error}, qr/tim/i, 'max_time: error says timed out');
    ok($took < 3, sprintf('max_time: returned in %.1fs', $took));
}

# ---- error log
like($t->error_log, qr/start worker process/, 'error_log returns the log');
ok($t->wait_log(qr/start worker process/), 'wait_log: finds a line');
{
    my $start = time;
    ok(!$t->wait_log(qr/no such line ever/, timeout => 0.5), 'wait_log: false on timeout');
    ok(time - $start < 1.5, 'wait_log: bounded');
}
like($t->access_log, qr/"GET \/plain\?q=1 HTTP\/1\.1" 200/, 'access_log in prefix');

# ---- reload
(my $conf_v2 = $body_conf) =~ s/VERSION/v2/;
$t->write_config($conf_v2);
ok($t->reload, 'reload');
my @workers2 = $t->nginx_workers;
ok(@workers2 && !grep({ my $w = $_; grep { $_ == $w } @workers } @workers2),
   'reload: new worker processes');
like($t->get('/after', https => 1)->{body}, qr/^v2 /, 'reload: new config serves');
{
    my $log_len = length $t->error_log;
    $t->write_config("server { listen 127.0.0.1:%%PORT_HTTP%%; bad_in_reload; }\n");
    my $start = time;
    eval { $t->reload };
    like($@, qr/rejected the new configuration: .*bad_in_reload/,
         'reload: a bad config is reported at once');
    ok(time - $start < 3, 'reload: without waiting for the timeout');
    like($t->get('/still', https => 1)->{body}, qr/^v2 /, 'reload: old config still serves');
    $t->write_config($conf_v2);
}

# ---- redis
is($t->redis_cmd('SET', 'sg:test', 'v'), 'OK', 'redis: SET');
is($t->redis_cmd('GET', 'sg:test'), 'v', 'redis: GET');
$t->redis_cmd('HSET', 'sg:h', 'a', 1, 'b', 2);
my %h = $t->redis_cmd('HGETALL', 'sg:h');
is_deeply(\%h, { a => 1, b => 2 }, 'redis: list context');
is_deeply([sort $t->redis_cmd('KEYS', 'sg:*')], ['sg:h', 'sg:test'], 'redis: KEYS');
like($t->redis_cmd('CONFIG', 'GET', 'dir'), qr/./, 'redis: CONFIG GET');
is(($t->redis_cmd('CONFIG', 'GET', 'save'))[1], '', 'redis: no RDB snapshots');
my $client = $t->redis;
my $rpid = $t->redis_pid;

$t->redis_stop;
ok(!$t->redis_running && !SGTest::pid_alive($rpid), 'redis_stop: process gone');
ok(!IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $p{REDIS},
                          Timeout => 1), 'redis_stop: port closed');
$t->redis_start;
is($t->port('REDIS'), $p{REDIS}, 'redis_start: same port');
is($t->redis_cmd('PING'), 'PONG', 'redis_start: client reconnects');
is($t->redis_cmd('EXISTS', 'sg:test'), 0, 'redis_start: data not persisted');
is(($t->redis_cmd('CONFIG', 'GET', 'dir'))[1], $t->prefix . '/redis', 'redis: own dir');
{
    my $s = IO::Socket::UNIX->new(Peer => $t->redis_socket);
    ok($s, 'redis: unix socket accepts');
}

# ---- a start that fails dies with the error log
{
    my $holder = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                       Listen => 5, Proto => 'tcp', ReuseAddr => 0)
        or die "listen: $!";
    my $t3 = SGTest->new(keep => 0);
    $t3->define(HELD => $holder->sockport);
    $t3->write_config("server { listen 127.0.0.1:%%HELD%%; }\n");
    eval { $t3->start };
    like($@, qr/nginx failed to start.*Address already in use/s,
         'start failure dies with the error log');
    ok(!$t3->nginx_running, 'failed start leaves no nginx');
    my $dir3 = $t3->prefix;
    $t3->teardown;
    ok(!-e $dir3, 'teardown removes the prefix');
}

# ---- teardown of a test process that dies, and of one killed by SIGTERM
my $child = $t->write_file('child.pl', <<'PERL');
use strict; use warnings; use SGTest;
$| = 1;
open STDERR, '>', $ARGV[1] or die "stderr: $!";
my $t = SGTest->new(redis => 1);
$t->write_config("server { listen 127.0.0.1:%%PORT_HTTP%%; return 204; }\n");
$t->start;
print join(' ', 'PIDS', $t->prefix, $t->nginx_pid, $t->redis_pid,
           $t->nginx_workers), "\n";
die "child dies on purpose\n" if $ARGV[0] eq 'die';
sleep 30;
PERL

for my $mode ('die', 'term') {
    local $ENV{TEST_KEEP};
    delete $ENV{TEST_KEEP};
    my $errf = $t->path("child-$mode.err");
    my $cpid = open(my $fh, '-|', $^X, '-It/lib', $child, $mode, $errf)
        or die "spawn child: $!";
    my $line = '';
    my $sel = IO::Select->new($fh);
    my $deadline = time + 10;
    while ($line !~ /\n/ && time < $deadline) {
        last unless $sel->can_read($deadline - time);
        sysread($fh, $line, 4096, length $line) or last;
    }
    my ($dir, @pids) = $line =~ /^PIDS (\S+) (.*)$/m
        ? ($1, split ' ', $2) : ();
    ok(@pids >= 3, "$mode: child started nginx and redis (@pids)")
        or diag $t->read_file("child-$mode.err");
    kill 'TERM', $cpid if $mode eq 'term';
    my $gone = $t->wait_until(sub { waitpid($cpid, POSIX::WNOHANG()) == $cpid },
                              timeout => 10);
    ok($gone, "$mode: child exited");
    kill 'KILL', $cpid unless $gone;
    close $fh;
    ok(!grep({ SGTest::pid_alive($_) } @pids), "$mode: no nginx or redis process left");
    ok($dir && !-e $dir, "$mode: prefix removed");
}

my $mpid = $t->nginx_pid;
my @all = ($mpid, $t->nginx_workers, $t->redis_pid);
$t->stop;
ok(!grep({ SGTest::pid_alive($_) } @all), 'stop: nginx master, workers, redis gone');
ok(time - $t0 < 20, sprintf('suite ran in %.1fs', time - $t0));

$t->done(allow => qr/unknown directive "bad_in_reload"/);
