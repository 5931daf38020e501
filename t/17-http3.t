# HTTP/3 on a guarded server (nginx 1.25 and later, built with
# --with-http_v3_module).  With OpenSSL 3.0 nginx's QUIC layer replaces the
# message callback on each QUIC connection, so HTTP/3 requests carry no
# captured ClientHello: they are judged as having no TLS signature.  The
# server with "listen ... quic" next to "listen ... ssl" starts, TCP keeps
# its fingerprints, and an HTTP/3 request of a session bound over TCP gets
# tls_missing, never a crash or an "ok" on the TLS layer.  HTTP/3 requests
# are sent with ngtcp2's example client (Debian's ngtcp2-client) when it is
# installed; without it only the TCP side is checked.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;

my $t = SGTest->new(module => 1, redis => 1, timeout => 120);

my (undef, $out, $err) = $t->run_cmd([$t->nginx_binary, '-V']);
my $v = ($out // '') . ($err // '');
plan skip_all => 'nginx has no HTTP/3 (--with-http_v3_module): '
                 . 'nothing to check here'
    unless $v =~ /--with-http_v3_module/;

my $client = SGTest::_which('gtlsclient');
my $UA = 'User-Agent: nghttp3/ngtcp2 client';

$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->define(ECHO => join '\n', 'sg-begin', 'proto=$server_protocol',
    'tag=$http_x_session_guard', 'tls=$http_x_sg_tls', 'ja4=$http_x_sg_ja4',
    'sg-end', '');
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms prefix=sgt17:;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_new_sessions off;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl;
        listen 127.0.0.1:%%PORT_HTTPS%% quic reuseport;
        http2 on;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        session_guard on;
        session_guard_session $arg_sid;
        session_guard_threshold tag=40 block=off;
        session_guard_weight concurrent_use 0;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
            proxy_set_header X-SG-TLS $session_guard_tls;
            proxy_set_header X-SG-JA4 $session_guard_ja4;
            proxy_set_header X-SG-Proto $server_protocol;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location / {
            return 200 "%%ECHO%%proto=$http_x_sg_proto\n";
        }
    }
CONF
$t->start;

sub echo_of {
    my ($body) = @_;
    my %e = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /\n/, $body // '';
    my %tag = map { /^(\w+)=(.*)$/ ? ($1, $2) : () }
              split /;\s*/, $e{tag} // '';
    $e{verdict} = $tag{verdict} // '';
    $e{reasons} = $tag{reasons} // '';
    return \%e;
}

sub tcp {
    my ($path, %o) = @_;
    my $r = $t->get($path, https => 1, headers => [$UA], %o);
    die "no response: $r->{error}\n" unless $r->{status};
    return echo_of($r->{body});
}

my $h3n = 0;
sub h3 {
    my ($path) = @_;
    my $port = $t->port('HTTPS');
    my $dir = $t->path('h3-' . ++$h3n);
    mkdir $dir or die "mkdir $dir: $!";
    my ($st, undef, $err) = $t->run_cmd([$client, '-q',
        '--exit-on-all-streams-close', "--download=$dir", '127.0.0.1', $port,
        "https://localhost:$port$path"], timeout => 10);
    opendir my $dh, $dir or die "opendir $dir: $!";
    my ($file) = grep { !/^\./ } readdir $dh;
    my $body = defined $file ? $t->read_file("$dir/$file") : '';
    diag("gtlsclient: exit $st: $err") unless ($body // '') =~ /sg-begin/;
    return echo_of($body);
}

# TCP on the same address keeps its fingerprints
my $e = tcp('/a?sid=s1');
is($e->{verdict}, 'new', 'TCP: first sight');
like($e->{tls}, qr/^s1_/, 'TCP: the stable signature');
like($e->{ja4}, qr/^t13/, 'TCP: a JA4');
is(tcp('/a?sid=s1')->{verdict}, 'ok', 'TCP: again, ok');
is(tcp('/a?sid=s1', http2 => 1)->{verdict}, 'ok', 'TCP, HTTP/2: ok');

SKIP: {
    skip 'no HTTP/3 client (Debian package ngtcp2-client: gtlsclient)', 8
        unless $client;

    $e = h3('/a?sid=s1');
    is($e->{proto}, 'HTTP/3.0', 'HTTP/3: served');
    is($e->{tls}, '', 'HTTP/3: no TLS signature (no captured hello)');
    is($e->{ja4}, '', 'HTTP/3: no JA4');
    is($e->{verdict}, 'tag', 'HTTP/3, session bound over TCP: tag');
    like($e->{reasons}, qr/\btls_missing\b/, '... for tls_missing');
    unlike($e->{reasons}, qr/\bdevice_changed\b/,
           '... and the device is the same');

    # a session that only ever lived on HTTP/3 has no TLS to compare
    is(h3('/a?sid=s3')->{verdict}, 'new', 'HTTP/3 only: first sight');
    is(h3('/a?sid=s3')->{verdict}, 'ok', 'HTTP/3 only: again, ok');
}

$t->done;
