# TLS fingerprints against the wire: genuinely different clients (curl,
# openssl s_client, gnutls-cli, headless Chromium) over TLS 1.2 and 1.3,
# HTTP/1.1 and HTTP/2, with and without SNI, talk to a guarded server that
# is not the default one on its address.  Every connection is captured on
# loopback with tshark; for each, the module's JA3 and JA3 string must be
# tshark's own, and its JA4 family must be what build/sg-tlsfp computes from
# the ClientHello bytes tshark saw: the capture path hands the parser the
# wire bytes, and nothing else.  Plain HTTP gets empty variables.  How the
# bytes are taken from the capture: SGTest::Capture::client_hellos.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::Capture;

my $t = SGTest->new(module => 1, redis => 1, timeout => 60);

plan(skip_all => 'build/sg-tlsfp not built (make tools)')
    unless -x SGTest::Capture::tlsfp_path();
if (my $why = SGTest::Capture->missing) {
    plan(skip_all => $why);
}

my @FIELDS = qw(ja4 ja4_r ja4_o ja4_ro ja3 ja3_string tls);
my $echo = join '\n', 'sg-begin', 'server=guarded', 'port=$remote_port',
    'proto=$server_protocol', 'ssl=$ssl_protocol', 'sni=$ssl_server_name',
    (map { "$_=\$session_guard_$_" } @FIELDS), 'sg-end', '';

$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->define(ECHO => $echo);
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=200ms;
    session_guard_secret_file %%PREFIX%%/secret;

    # The default server of the address: no session_guard here.
    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2 default_server;
        listen 127.0.0.1:%%PORT_HTTP%% default_server;
        server_name other.test;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;

        location / {
            return 200 "sg-begin\nserver=default\nsg-end\n";
        }
    }

    # The guarded server, reached by SNI (or, without SNI, by Host).
    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        listen 127.0.0.1:%%PORT_HTTP%%;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_ecdh_curve X25519:prime256v1:secp384r1;

        session_guard on;
        session_guard_session $cookie_sid;

        location / {
            return 200 "%%ECHO%%";
        }
    }
CONF
$t->start;

my $cap = eval { SGTest::Capture->start($t, port => $t->port('HTTPS')) };
plan(skip_all => "cannot capture on loopback: $@") unless $cap;

my $https = $t->port('HTTPS');
my $req = "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
my $have_gnutls = SGTest::Capture::have('gnutls-cli');
my $have_chromium = SGTest::Capture::have('chromium');

sub curl_body {
    my $r = $t->get('/', @_);
    return $r->{status} == 200 ? $r->{body} : "curl: $r->{status} "
                                              . ($r->{error} // '');
}

# Each client: its stack, what the connection must look like (from nginx's
# own variables), and the JA4 prefix its settings imply (JA4 part a:
# protocol, highest offered version, SNI d/i, cipher and extension counts,
# first ALPN's first and last characters, or 00).  OpenSSL clients add the
# renegotiation SCSV (00ff) to the suites they are given: two suites on the
# command line are three in the hello.
my @clients = (
    { name => 'curl, HTTP/1.1, TLS 1.3', stack => 'curl',
      ssl => 'TLSv1.3', proto => 'HTTP/1.1', sni => 'localhost',
      a => qr/^t13d\d{4}h1$/,
      run => sub { curl_body(https => 1) } },
    { name => 'curl, HTTP/2, TLS 1.3', stack => 'curl',
      ssl => 'TLSv1.3', proto => 'HTTP/2.0', sni => 'localhost',
      a => qr/^t13d\d{4}h2$/,
      run => sub { curl_body(https => 1, http2 => 1) } },
    { name => 'curl, HTTP/2, TLS 1.2, two ciphers, two curves',
      stack => 'curl', ssl => 'TLSv1.2', proto => 'HTTP/2.0',
      sni => 'localhost', a => qr/^t12d03\d\dh2$/,
      run => sub {
          curl_body(https => 1, http2 => 1, tls_max => '1.2',
                    ciphers => 'ECDHE-RSA-AES128-GCM-SHA256:'
                               . 'ECDHE-RSA-CHACHA20-POLY1305',
                    curves => 'X25519:P-256')
      } },
    { name => 'curl, no SNI, no ALPN', stack => 'curl',
      ssl => 'TLSv1.3', proto => 'HTTP/1.1', sni => '',
      a => qr/^t13i\d{4}00$/,
      run => sub {
          curl_body(https => 1, host => '127.0.0.1', alpn => 0,
                    headers => ['Host: localhost'])
      } },
    { name => 's_client, TLS 1.2, two ciphers, ALPN http/1.1',
      stack => 'openssl', ssl => 'TLSv1.2', proto => 'HTTP/1.1',
      sni => 'localhost', a => qr/^t12d03\d\dh1$/,
      run => sub {
          (SGTest::Capture::s_client($t, sni => 'localhost', request => $req,
              args => ['-tls1_2', '-alpn', 'http/1.1', '-cipher',
                       'ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-SHA']))[0]
      } },
    { name => 's_client, TLS 1.3, one suite, no SNI, X448 first (HRR)',
      stack => 'openssl', ssl => 'TLSv1.3', proto => 'HTTP/1.1', sni => '',
      a => qr/^t13i02\d\d00$/, hrr => 1,
      run => sub {
          (SGTest::Capture::s_client($t, request => $req,
              args => ['-tls1_3', '-ciphersuites',
                       'TLS_CHACHA20_POLY1305_SHA256',
                       '-groups', 'X448:X25519']))[0]
      } },
    { name => 's_client, TLS 1.3, two suites, P-256, ALPN',
      stack => 'openssl', ssl => 'TLSv1.3', proto => 'HTTP/1.1',
      sni => 'localhost', a => qr/^t13d03\d\dh1$/,
      run => sub {
          (SGTest::Capture::s_client($t, sni => 'localhost', request => $req,
              args => ['-tls1_3', '-alpn', 'http/1.1', '-groups', 'P-256',
                       '-ciphersuites',
                       'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384']))[0]
      } },
    { name => 'gnutls-cli, NORMAL', stack => 'gnutls', need => $have_gnutls,
      ssl => 'TLSv1.3', proto => 'HTTP/1.1', sni => 'localhost',
      a => qr/^t13d\d{4}00$/,
      run => sub {
          (SGTest::Capture::gnutls_cli($t, sni => 'localhost',
                                        request => $req))[0]
      } },
    { name => 'gnutls-cli, TLS 1.2 only, AES-GCM only', stack => 'gnutls',
      need => $have_gnutls, ssl => 'TLSv1.2', proto => 'HTTP/1.1',
      sni => 'localhost', a => qr/^t12d\d{4}00$/,
      run => sub {
          (SGTest::Capture::gnutls_cli($t, sni => 'localhost', request => $req,
              priority => 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:'
                          . '+AES-128-GCM:+AES-256-GCM'))[0]
      } },
    { name => 'headless Chromium', stack => 'chromium',
      need => $have_chromium, ssl => 'TLSv1.3', proto => 'HTTP/2.0',
      sni => 'localhost', a => qr/^t13d\d{4}h2$/,
      run => sub {
          (SGTest::Capture::chromium_dom($t, "https://localhost:$https/"))[0]
      } },
);

# ---- run every client while tshark captures
for my $c (@clients) {
    next if exists $c->{need} && !$c->{need};
    $c->{out} = $c->{run}->();
    $c->{echo} = SGTest::Capture::echoed($c->{out});
}

# HTTP/2, two requests on one connection: the fingerprint is the
# connection's, the same for every stream.
my @h2 = $t->get_many([['/'], ['/']], https => 1, http2 => 1);

# By SNI to the default server: it is really another server.
my $other = $t->get('/', https => 1, host => 'other.test');

$cap->stop;
ok($cap->complete, 'the capture was complete when stopped');
my $hello = $cap->first_hello_by_port;
my @all_hellos = $cap->client_hellos;
ok(scalar @all_hellos, 'tshark saw ' . scalar(@all_hellos) . ' ClientHellos');

# ---- each connection against its captured ClientHello
my %stacks_of_ja4;
for my $c (@clients) {
    my $name = $c->{name};
    SKIP: {
        skip "$name: client not installed", 1
            if exists $c->{need} && !$c->{need};

        my $e = $c->{echo};
        ok($e, "$name: got the echo") or do {
            diag("output:\n" . substr($c->{out} // '', 0, 2000));
            next;
        };
        is($e->{server}, 'guarded', "$name: reached the guarded server");
        is($e->{ssl}, $c->{ssl}, "$name: $c->{ssl}");
        is($e->{proto}, $c->{proto}, "$name: $c->{proto}");
        is($e->{sni}, $c->{sni}, "$name: SNI '$c->{sni}'");

        my $h = $hello->{ $e->{port} // '' };
        ok($h, "$name: tshark captured the ClientHello of port "
               . ($e->{port} // '?')) or next;

        is($e->{ja3}, $h->{ja3}, "$name: ja3 is tshark's ja3");
        is($e->{ja3_string}, $h->{ja3_full},
           "$name: ja3_string is tshark's ja3_full");

        my $fp = SGTest::Capture::tlsfp($t, $h->{hex});
        ok($fp, "$name: sg-tlsfp parsed the captured bytes") or next;
        for my $f (@FIELDS) {
            is($e->{$f}, $fp->{$f}, "$name: $f is sg-tlsfp's on the wire");
        }
        like((split /_/, $e->{ja4} // '')[0] // '', $c->{a},
             "$name: JA4 part a fits the client's settings ("
             . ($e->{ja4} // '') . ')');

        if ($c->{hrr}) {
            my @same = grep { $_->{stream} eq $h->{stream} } @all_hellos;
            is(scalar @same, 2, "$name: a HelloRetryRequest made a second "
                                . 'ClientHello');
            isnt($same[1]{hex}, $same[0]{hex}, "$name: the second differs")
                if @same == 2;
        }

        $stacks_of_ja4{ $e->{ja4} // '' }{ $c->{stack} } = 1;
    }
}

# ---- genuinely different stacks do not look alike
my %stacks = map { %$_ } values %stacks_of_ja4;
my @shared = grep { keys %{ $stacks_of_ja4{$_} } > 1 }
             sort keys %stacks_of_ja4;
is(join(' ', @shared), '', 'no JA4 is shared by two stacks ('
                           . join(', ', sort keys %stacks) . ')');
cmp_ok(scalar keys %stacks_of_ja4, '>=', scalar keys %stacks,
       scalar(keys %stacks_of_ja4) . ' distinct JA4 values for '
       . scalar(keys %stacks) . ' stacks');

# ---- HTTP/2 streams of one connection share the connection's fingerprint
{
    my ($s1, $s3) = map { SGTest::Capture::echoed($_->{body}) || {} } @h2;
    ok($s1->{port} && $s3->{port}, 'HTTP/2 pair: both answered');
    is($h2[1]{num_connects}, 0, 'HTTP/2 pair: one connection');
    my $h = $hello->{ $s1->{port} // '' };
    ok($h, 'HTTP/2 pair: ClientHello captured');
    my $fp = ($h && SGTest::Capture::tlsfp($t, $h->{hex})) || {};
    for my $f (@FIELDS) {
        is($s1->{$f}, $fp->{$f}, "HTTP/2 stream 1: $f");
        is($s3->{$f}, $fp->{$f}, "HTTP/2 stream 3: $f");
    }
}

is((SGTest::Capture::echoed($other->{body}) || {})->{server}, 'default',
   'SNI other.test reaches the default server');

# ---- plain HTTP: no TLS, no fingerprints
{
    my $r = $t->get('/');
    my $e = SGTest::Capture::echoed($r->{body}) || {};
    is($e->{server}, 'guarded', 'plain HTTP: reached the guarded server');
    is($e->{ssl}, '', 'plain HTTP: no TLS');
    for my $f (@FIELDS) {
        ok(exists $e->{$f} && $e->{$f} eq '', "plain HTTP: $f is empty");
    }
}

$t->done;
