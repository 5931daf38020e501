# The stable TLS signature ($session_guard_tls) as a session binding:
# it survives resumption (TLS 1.2 by session ticket and by session id, TLS
# 1.3 by PSK, whose ClientHello carries pre_shared_key and so has another
# JA4) and Chromium's extension-order permutation, and it tells different
# client stacks apart.  With a session cookie: first sight is "new", the
# same client again is "ok", the same cookie and User-Agent from another TLS
# stack is "tag" for tls_changed, and a resumed connection of the original
# client is still "ok".
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::Capture;

my $t = SGTest->new(module => 1, redis => 1, timeout => 60);

my @FP = qw(ja4 ja4_r ja4_o tls);
my $echo = join '\n', 'sg-begin', 'port=$remote_port', 'ssl=$ssl_protocol',
    'reused=$ssl_session_reused', (map { "$_=\$session_guard_$_" } @FP),
    'sg-end', '';

$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->define(ECHO => $echo);
$t->define(BACKEND_ECHO => join '\n', 'sg-begin', 'tag=$http_x_session_guard',
    'reused=$http_x_sg_reused', 'tls=$http_x_sg_tls', 'ja4=$http_x_sg_ja4',
    'sg-end', '');
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=200ms prefix=sgt21:;
    # curl and openssl play browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SG21:1m;
        ssl_session_tickets on;

        session_guard on;
        session_guard_session $cookie_sid;

        # fingerprints only: a return skips the access phase
        location /fp {
            return 200 "%%ECHO%%";
        }

        location / {
            # The clients below follow each other within seconds: by design
            # that is also concurrent_use (both devices active in the
            # window), whose weight would add to tls_changed's and block.
            # Weighed 0 here, the verdicts show the TLS signal alone.
            session_guard_weight concurrent_use 0;

            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
            proxy_set_header X-SG-Reused $ssl_session_reused;
            proxy_set_header X-SG-TLS $session_guard_tls;
            proxy_set_header X-SG-JA4 $session_guard_ja4;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location / {
            return 200 "%%BACKEND_ECHO%%";
        }
    }
CONF
$t->start;

# A capture, when tshark can make one, shows on the wire what the resumed
# ClientHellos carry.
my $cap = SGTest::Capture->missing ? undef
        : eval { SGTest::Capture->start($t, port => $t->port('HTTPS')) };
my $no_capture = $cap ? undef
               : (SGTest::Capture->missing // "capture failed: $@");

my $UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 '
       . 'Firefox/125.0';

sub request {
    my ($path, $cookie) = @_;
    return "GET $path HTTP/1.1\r\nHost: localhost\r\nUser-Agent: $UA\r\n"
         . "Accept: text/html\r\nAccept-Language: en-US\r\n"
         . (defined $cookie ? "Cookie: sid=$cookie\r\n" : '')
         . "Connection: close\r\n\r\n";
}

# One s_client connection: returns the echo (plus `handshake` => 'New' or
# 'Reused' from s_client's own report).
sub s_client {
    my (%o) = @_;
    my @args = @{ $o{args} || [] };
    push @args, '-sess_out', $t->path($o{sess_out}) if $o{sess_out};
    push @args, '-sess_in', $t->path($o{sess_in}) if $o{sess_in};
    my ($out, $err) = SGTest::Capture::s_client($t, sni => 'localhost',
        args => \@args, request => request($o{path} // '/fp', $o{cookie}));
    my $e = SGTest::Capture::echoed($out) || { output => "$out\n$err" };
    $e->{handshake} = $out =~ /^(New|Reused), TLSv/m ? $1 : '';
    return $e;
}

sub tag_of {
    my ($e) = @_;
    return { map { /^(\w+)=(.*)$/ ? ($1, $2) : () }
             split /;\s*/, $e->{tag} // '' };
}

# ---- resumption keeps the signature
my %resumed_port;
for my $mode (['TLS 1.2, session ticket', 'TLSv1.2', ['-tls1_2']],
              ['TLS 1.2, session id', 'TLSv1.2', ['-tls1_2', '-no_ticket']],
              ['TLS 1.3, PSK', 'TLSv1.3', ['-tls1_3']])
{
    my ($name, $ssl, $args) = @$mode;
    (my $file = "sess-$name") =~ s/\W+/-/g;

    my $first = s_client(args => $args, sess_out => $file);
    is($first->{handshake}, 'New', "$name: first connection: full handshake");
    is($first->{ssl}, $ssl, "$name: first connection: $ssl");
    is($first->{reused}, '.', "$name: first connection: nginx agrees");
    like($first->{tls} // '', qr/\S/, "$name: first connection: tls is set");

    my $again = s_client(args => $args, sess_in => $file);
    is($again->{handshake}, 'Reused', "$name: resumed (s_client: Reused)");
    is($again->{reused}, 'r', "$name: resumed (nginx: r)");
    is($again->{tls}, $first->{tls}, "$name: resumed: same tls ("
                                     . ($first->{tls} // '') . ')');
    if ($ssl eq 'TLSv1.3') {
        isnt($again->{ja4}, $first->{ja4},
             "$name: resumed: JA4 differs (" . ($first->{ja4} // '')
             . ' -> ' . ($again->{ja4} // '') . ')');
    } else {
        note("$name: JA4 " . ($first->{ja4} // '') . ' -> '
             . ($again->{ja4} // ''));
    }
    $resumed_port{$name} = [$first->{port}, $again->{port}];
}

# ---- extension-order permutation (Chromium shuffles its extensions on
# every connection) keeps JA4 and the signature, not the original order
SKIP: {
    skip 'chromium not installed', 3 unless SGTest::Capture::have('chromium');
    my $url = 'https://localhost:' . $t->port('HTTPS') . '/fp';
    my @c = map { SGTest::Capture::echoed(
                      (SGTest::Capture::chromium_dom($t, $url))[0]) || {} }
            1 .. 2;
    isnt($c[0]{ja4_o} // '', $c[1]{ja4_o} // '',
         'Chromium, two runs: extension order differs (ja4_o)');
    is($c[1]{ja4}, $c[0]{ja4}, 'Chromium, two runs: same JA4');
    is($c[1]{tls}, $c[0]{tls}, 'Chromium, two runs: same tls');
}

# ---- different client stacks give different signatures
{
    my %tls;
    $tls{'s_client, OpenSSL defaults'} = s_client()->{tls};
    $tls{'s_client, other cipher list'} = s_client(args => [
        '-cipher', 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA',
        '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256'])->{tls};
    my $r = $t->get('/fp', https => 1, http2 => 1);
    $tls{'curl'} = (SGTest::Capture::echoed($r->{body}) || {})->{tls};
    if (SGTest::Capture::have('gnutls-cli')) {
        my ($out) = SGTest::Capture::gnutls_cli($t, sni => 'localhost',
                                                request => request('/fp'));
        $tls{'gnutls-cli'} = (SGTest::Capture::echoed($out) || {})->{tls};
    }
    if (SGTest::Capture::have('chromium')) {
        my ($dom) = SGTest::Capture::chromium_dom($t, 'https://localhost:'
                                                  . $t->port('HTTPS') . '/fp');
        $tls{'chromium'} = (SGTest::Capture::echoed($dom) || {})->{tls};
    }
    my @names = sort keys %tls;
    for my $n (@names) {
        like($tls{$n} // '', qr/\S/, "$n: tls is set");
    }
    my %by_value;
    push @{ $by_value{ $tls{$_} // '' } }, $_ for @names;
    my @clash = map { join(' = ', @$_) } grep { @$_ > 1 } values %by_value;
    is(join('; ', @clash), '', scalar(@names) . ' client stacks, '
                               . scalar(@names) . ' different tls values');
}

# ---- the session binding
for my $mode (['TLS 1.3', ['-tls1_3'],
               ['-tls1_3', '-ciphersuites', 'TLS_CHACHA20_POLY1305_SHA256',
                '-groups', 'P-256:X25519']],
              ['TLS 1.2', ['-tls1_2'],
               ['-tls1_2', '-cipher',
                'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES128-SHA']])
{
    my ($name, $orig, $other) = @$mode;
    my $cookie = "binding-$name-$$";
    $cookie =~ s/\W/_/g;
    (my $file = "sess-binding-$name") =~ s/\W+/-/g;

    my $e = s_client(args => $orig, path => '/app', cookie => $cookie,
                     sess_out => $file);
    is(tag_of($e)->{verdict}, 'new', "$name binding: first sight, new")
        or diag(explain $e);

    $e = s_client(args => $orig, path => '/app', cookie => $cookie);
    is($e->{handshake}, 'New', "$name binding: same client, full handshake");
    is(tag_of($e)->{verdict}, 'ok', "$name binding: same client, ok")
        or diag(explain $e);

    $e = s_client(args => $other, path => '/app', cookie => $cookie);
    my $tag = tag_of($e);
    is($tag->{verdict}, 'tag',
       "$name binding: same cookie and UA, other TLS stack: tag")
        or diag(explain $e);
    like($tag->{reasons} // '', qr/(^|,)tls_changed(,|$)/,
         "$name binding: reason tls_changed");
    unlike($tag->{reasons} // '', qr/(^|,)device_changed(,|$)/,
           "$name binding: no device_changed (same headers)");

    $e = s_client(args => $orig, path => '/app', cookie => $cookie,
                  sess_in => $file);
    is($e->{handshake}, 'Reused', "$name binding: original client resumed");
    is($e->{reused}, 'r', "$name binding: nginx saw the resumption");
    is(tag_of($e)->{verdict}, 'ok', "$name binding: resumed original, ok")
        or diag(explain $e);
}

# ---- on the wire: only the resumed TLS 1.3 hello carries pre_shared_key
SKIP: {
    skip "no capture: $no_capture", 6 unless $cap;
    $cap->stop;
    my $hello = $cap->first_hello_by_port;
    for my $name (sort keys %resumed_port) {
        my ($p1, $p2) = @{ $resumed_port{$name} };
        my ($h1, $h2) = map { $hello->{ $_ // '' } } $p1, $p2;
        my $psk = $name =~ /1\.3/;
        my $has41 = sub { $_[0] && grep { $_ == 41 } @{ $_[0]{ext} } };
        ok($h1 && !$has41->($h1),
           "$name: first ClientHello without pre_shared_key");
        ok($h2 && ($psk ? $has41->($h2) : !$has41->($h2)),
           "$name: resumed ClientHello " . ($psk ? 'with' : 'without')
           . ' pre_shared_key');
    }
}

$t->done;
