# Memory held per TLS connection: the ClientHello is fingerprinted when it
# arrives and let go, so an idle connection of a guarded server holds at
# most 2 KiB more than one of a server without session_guard, however large
# the hello a client sends.
#
# Two measures:
# - the module's own count: at debug level it logs how many bytes it kept
#   for each connection's fingerprints, for ordinary hellos and for hellos
#   made to be expensive (140 ciphers, 200 extensions, 16 KiB of padding);
# - the worker's resident memory over 2000 idle keep-alive connections
#   (each after one request that reads every fingerprint variable, or one
#   of a session, judged and cached on the connection), to the guarded
#   server and to a server without session_guard in the same nginx, each in
#   a fresh worker: the difference per connection is the bound.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::Load;
use IPC::Open2;

my $IDLE = 'build/t/idle-tls';
my $BIG = 'build/t/big-hello';
plan skip_all => "$IDLE or $BIG not built (make helpers)"
    unless -x $IDLE && -x $BIG;

my $N = 2000;
my $BOUND = 2048;

my $t = SGTest->new(module => 1, redis => 1, timeout => 240);
my $echo = join '\n', (map { "$_=\$session_guard_$_" }
    qw(ja4 ja4_r ja4_o ja4_ro ja3 ja3_string tls)), '';
$t->define(ECHO => $echo);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('www/s/x', "static\n");

sub config {
    my ($level) = @_;
    $t->write_raw_config(<<"CONF");
%%LOAD_MODULE%%
daemon on;
master_process on;
worker_processes 1;
worker_rlimit_nofile 10000;
error_log %%PREFIX%%/error.log $level;
pid %%PREFIX%%/nginx.pid;
events { worker_connections 5000; }
http {
    access_log off;
    client_body_temp_path %%PREFIX%%/client_body_temp;
    proxy_temp_path %%PREFIX%%/proxy_temp;
    fastcgi_temp_path %%PREFIX%%/fastcgi_temp;
    uwsgi_temp_path %%PREFIX%%/uwsgi_temp;
    scgi_temp_path %%PREFIX%%/scgi_temp;
    keepalive_timeout 300s;
    keepalive_requests 10;
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=200ms;
    session_guard_secret_file %%PREFIX%%/secret;

    server {
        listen 127.0.0.1:%%PORT_GUARDED%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets off;
        session_guard on;
        session_guard_session \$cookie_sid;
        location / { return 200 "%%ECHO%%"; }
        location /s/ { root %%PREFIX%%/www; }
    }

    server {
        listen 127.0.0.1:%%PORT_STOCK%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_tickets off;
        location / { return 200 "%%ECHO%%"; }
        location /s/ { root %%PREFIX%%/www; }
    }
}
CONF
}

# --- the module's own count, at debug level --------------------------------

config('debug');
$t->start;

my $g = $t->port('GUARDED');
my %hello = (
    curl => sub { $t->get('/', https => 1, port => 'GUARDED')->{body} },
    'openssl, every cipher' => sub {
        ($t->run_cmd(['openssl', 's_client', '-quiet', '-ign_eof',
            '-connect', "127.0.0.1:$g", '-tls1_2',
            '-cipher', 'ALL:@SECLEVEL=0', '-servername', 'localhost'],
            stdin => "GET / HTTP/1.1\r\nHost: localhost\r\n"
                     . "Connection: close\r\n\r\n", timeout => 10))[1] },
    'big-hello, 200 extensions' => sub {
        ($t->run_cmd([$BIG, '-n', 200, '127.0.0.1', $g, '/'],
                     timeout => 10))[1] },
    'big-hello, every cipher and 200 extensions' => sub {
        ($t->run_cmd([$BIG, '-n', 200, '-C', 'ALL:@SECLEVEL=0',
                      '127.0.0.1', $g, '/'], timeout => 10))[1] },
    'big-hello, 16 KiB of padding' => sub {
        ($t->run_cmd([$BIG, '-n', 2, '-s', 8200, '127.0.0.1', $g, '/'],
                     timeout => 10))[1] },
);

my %body;
for my $what (sort keys %hello) {
    my $before = length $t->error_log;
    $body{$what} = $hello{$what}->() // '';
    like($body{$what}, qr/^ja4=t1[23]d\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/m,
         "$what: fingerprinted");
    my $log = substr $t->error_log, $before;
    my @kept = $log =~ /ClientHello of (\d+) bytes, fingerprints kept in (\d+) bytes/g;
    is(scalar @kept, 2, "$what: one count logged")
        or diag $log =~ /(session_guard: ClientHello[^\n]*)/g;
    my ($len, $size) = @kept;
    ok(defined $size && $size <= $BOUND,
       "$what: at most $BOUND bytes kept");
    diag "$what: ClientHello of $len bytes, fingerprints kept in $size bytes"
        if defined $size;
    $body{"$what len"} = $len;
}

# The expensive hellos really are: without the capture-time fingerprint,
# the hello itself (up to 16 KiB) would be what the connection held.
cmp_ok($body{'big-hello, 16 KiB of padding len'}, '>', 16384,
       'the padded hello is over 16 KiB');

# A hello whose raw lists would not fit keeps its hashes, says so, and its
# raw variables are empty; ordinary ones, and one with every cipher of
# OpenSSL's, keep them all.
my $huge = $body{'big-hello, every cipher and 200 extensions'};
like($huge, qr/^ja4_r=$/m, 'every cipher, 200 extensions: raw JA4 not kept');
like($huge, qr/^ja3_string=$/m, '... nor the JA3 string');
like($huge, qr/^ja3=[0-9a-f]{32}$/m, '... JA3 kept');
like($huge, qr/^tls=s1_[0-9a-f]{16}$/m, '... binding signature kept');
like($t->error_log, qr/\[info\].*its raw fingerprints \(\d+ bytes\) not kept/,
     '... logged at info');
like($body{'openssl, every cipher'}, qr/^ja4_r=t12d\d{4}00_[0-9a-f,]+_/m,
     'openssl, every cipher: raw JA4 kept');
like($body{curl}, qr/^ja4_r=t1[23]d\d{4}[0-9a-z]{2}(?:_[0-9a-f,]+){3}$/m,
     'curl: raw JA4 kept');
like($body{curl}, qr/^ja3_string=\d+,[\d-]+,[\d-]+,[\d-]*,[\d-]*$/m,
     'curl: JA3 string kept');

$t->stop_nginx;

# --- resident memory over many idle connections -----------------------------

config('info');

sub rss_kb {
    my ($pid) = @_;
    open my $fh, '<', "/proc/$pid/status" or return 0;
    local $/;
    my ($kb) = <$fh> =~ /^VmRSS:\s+(\d+) kB/m;
    return $kb // 0;
}

# Opens $n connections to $port (one request each), returns the worker's
# RSS growth in bytes while they are open.
sub held {
    my ($port, $n, @args) = @_;
    $t->restart;
    my ($w) = $t->nginx_workers;
    # warm up: the first connections allocate nginx's and OpenSSL's caches
    for (1 .. 2) {
        my $pid = open2(my $out, my $in, $IDLE, '-c', 50, @args,
                        '127.0.0.1', $t->port($port));
        my $ready = <$out>;
        close $in;
        waitpid $pid, 0;
    }
    sleep 1;
    my $before = rss_kb($w);
    my $pid = open2(my $out, my $in, $IDLE, '-c', $n, @args,
                    '127.0.0.1', $t->port($port));
    my $ready = <$out> // '';
    my ($made) = $ready =~ /^ready (\d+)/;
    my $after = rss_kb($w);
    close $in;
    waitpid $pid, 0;
    return (($after - $before) * 1024, $made // 0);
}

# AddressSanitizer's redzones and quarantine (make test-asan) make the
# resident memory no measure of what the module keeps.
my $asan = SGTest::Load::sanitized($t);

$t->start;
# Each connection's one request reads every fingerprint variable (/), or
# is a session's, judged and cached on the connection (/s/).
my @session = ('-r', '/s/x', '-H', 'Cookie: sid=idle-' . int rand 1e9);
for my $case ($asan ? () : (['an ordinary hello', '-r', '/'],
                            ['a hello of 16 KiB', '-s', 16000, '-r', '/'],
                            ['a session judged', @session])) {
    my ($what, @args) = @$case;
    my ($stock, $m1) = held('STOCK', $N, @args);
    my ($guarded, $m2) = held('GUARDED', $N, @args);
    is($m1, $N, "$what: $N connections to the stock server");
    is($m2, $N, "$what: $N connections to the guarded server");
    my $per = ($guarded - $stock) / $N;
    diag sprintf "%s: RSS growth over %d idle TLS connections: stock %.0f, "
        . "guarded %.0f bytes each; session_guard's share %.0f bytes",
        $what, $N, $stock / $N, $guarded / $N, $per;
    cmp_ok($per, '<=', $BOUND, "$what: at most 2 KiB per idle connection");
}
diag 'nginx is built with AddressSanitizer: resident memory not measured'
    if $asan;
unless ($asan) {
    my $keys = $t->redis_cmd('KEYS', '*:s');
    ok(@$keys >= 1, 'the idle session was judged and recorded in Redis');
}

$t->done;
