# The replay harness against real nginx + module + Redis: a login, the same
# browser again (pass), curl with the stolen cookie (alert), a second
# browser session (pass); PROXY protocol addresses reach the module; the
# simulated gap moves the session's stored times; two profiles show two
# JA4s to the module; no cookie value in the output; exit codes.
#
# Then the browser profiles on the wire, captured on loopback with tshark:
# each ClientHello's JA4 (computed here, from the bytes tshark saw) is the
# JA4 of the reference capture of that browser in
# ../shared/testdata/tls/clienthellos.jsonl, GREASE and ALPN included, and
# chromium-linux matches a live headless Chromium captured the same way;
# over HTTP/2 (nginx's $server_protocol, $http2) the SETTINGS, window,
# priority and header order, decrypted by tshark with the harness's key
# log, are the reference Chrome capture's and the live Chromium's; a server
# without h2 gets HTTP/1.1, a TLS 1.2 server still gets the request.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Spec;
use JSON::PP ();
use SGTest;
use SGTest::Capture;

my $replay = SGTest->root . '/build/sg-replay';
plan(skip_all => "sg-replay not built: $replay") unless -x $replay;

my $t = SGTest->new(module => 1, redis => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=200ms prefix=sgr:;
    session_guard_secret_file %%PREFIX%%/secret;

    log_format guard '$remote_addr $session_guard_verdict '
                     'ja4=$session_guard_ja4 ua="$http_user_agent" '
                     'proto=$server_protocol';
    log_format wire '$remote_port $server_protocol h2=$http2 '
                    'uri=$request_uri ja4=$session_guard_ja4 '
                    'ua="$http_user_agent"';
    log_format app '$request_id';

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl proxy_protocol;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        set_real_ip_from 127.0.0.1;
        real_ip_header proxy_protocol;

        access_log %%PREFIX%%/guard.log guard;

        session_guard on;
        session_guard_session $cookie_sid;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    # HTTP/2 for the browser profiles, no PROXY protocol (for the capture)
    server {
        listen 127.0.0.1:%%PORT_H2%% ssl http2;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        access_log %%PREFIX%%/wire.log wire;

        session_guard on;
        session_guard_session $cookie_sid;

        location / {
            return 200 "session_guard says: <code>$http_x_session_guard</code>\n";
        }
    }

    # a server that knows only TLS 1.2
    server {
        listen 127.0.0.1:%%PORT_TLS12%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2;
        access_log %%PREFIX%%/tls12.log wire;

        location / {
            return 200 "tls12\n";
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        access_log %%PREFIX%%/app.log app;

        location = /login {
            add_header Set-Cookie "sid=$request_id; Path=/" always;
            return 303 /;
        }

        location / {
            return 200 "session_guard says: <code>$http_x_session_guard</code>\n";
        }
    }
CONF
$t->start;

my $scenario = <<'JSONL';
{"t": 0, "client": "chrome-windows", "ip": "198.51.100.7", "session": "alice", "user": "alice", "login": true, "note": "alice logs in"}
{"t": 2, "client": "chrome-windows", "ip": "198.51.100.7", "session": "alice", "expect": "pass", "label": "benign", "note": "first page"}
{"t": 3600, "client": "chrome-windows", "ip": "198.51.100.7", "session": "alice", "expect": "ok", "label": "benign", "note": "an hour later, same browser"}
{"t": 3700, "client": "curl", "ip": "203.0.113.50", "session": "alice", "expect": "alert", "label": "attack", "note": "the stolen cookie from curl"}

{"t": 3800, "client": "firefox-linux", "ip": "198.51.100.8", "session": "bob", "user": "bob", "login": true}
{"t": 3810, "client": "firefox-linux", "ip": "198.51.100.8", "session": "bob", "expect": "pass", "label": "benign", "note": "a second browser session"}
JSONL
$t->write_file('s.jsonl', $scenario);

my @common = ($replay, '--target', 'https://127.0.0.1:' . $t->port('HTTPS'),
              '--proxy', 'v2', '--redis', '127.0.0.1:' . $t->redis_port,
              '--prefix', 'sgr:');

my ($rc, $out, $err) = $t->run_cmd([@common, $t->path('s.jsonl')],
                                   timeout => 60);
is($rc, 0, 'scenario holds: exit 0') or diag("$out\n$err");
like($out, qr/^\s*2 .* new .*expect=pass ok$/m, 'first use: new');
like($out, qr/^\s*3 .* ok .*expect=ok ok$/m, 'same browser: ok');
like($out, qr/^\s*4 .*curl .*(?:tag|block).*expect=alert ok$/m,
     'stolen cookie from curl: alert');
like($out, qr/true-positive rate : 1\.000/, 'TPR 1');
like($out, qr/false-positive rate: 0\.000/, 'FPR 0');

# the raw cookie values never reach the output
my @ids = grep { /\S/ } split /\n/, $t->read_file('app.log');
ok(@ids >= 2, 'the app issued cookies');
ok(!grep({ index($out . $err, $_) >= 0 } @ids), 'no cookie value printed');

# PROXY v2 addresses and the two profiles as the module saw them
my $log = $t->read_file('guard.log');
like($log, qr/^203\.0\.113\.50 /m, 'the client address came through PROXY');
my ($chrome) = $log =~ /^198\.51\.100\.7 \S+ ja4=(\S+)/m;
my ($curl) = $log =~ /^203\.0\.113\.50 \S+ ja4=(\S+)/m;
my ($firefox) = $log =~ /^198\.51\.100\.8 \S+ ja4=(\S+)/m;
ok($chrome && $firefox && $chrome ne $firefox,
   "chrome and firefox differ in \$session_guard_ja4 ($chrome, $firefox)");
ok($curl && $curl ne $chrome, 'curl differs from chrome');
like($log, qr/ua="Mozilla\/5\.0 \(X11; Linux x86_64; rv:115\.0\)/,
     'the profile\'s User-Agent');
like($log, qr/^198\.51\.100\.7 .* proto=HTTP\/1\.1$/m,
     'a server without h2: the Chrome profile falls back to HTTP/1.1');

# the hour-long gap was simulated in Redis
my $keys = $t->redis_cmd('KEYS', 'sgr:{*}:s');
my @times = map { scalar $t->redis_cmd('HGET', $_, 't0') } @$keys;
ok((grep { defined && $_ < time - 3000 } @times),
   'a session\'s first-seen time moved back about an hour');

# --json, and failures
($rc, $out) = $t->run_cmd([@common, '--json', $t->path('s.jsonl')],
                          timeout => 60);
my $doc = eval { JSON::PP::decode_json($out) };
ok($doc, '--json is one JSON document') or diag($@);
is($doc->{summary}{tpr}, 1, 'JSON tpr');
is($doc->{summary}{labels}{attack}{alerted}, 1, 'JSON attack alerted');
is(scalar @{ $doc->{requests} }, 6, 'six requests');

$t->write_file('bad.jsonl', <<'JSONL');
{"t": 0, "client": "chrome-windows", "ip": "198.51.100.9", "session": "c", "login": true}
{"t": 1, "client": "chrome-windows", "ip": "198.51.100.9", "session": "c", "label": "benign"}
{"t": 2, "client": "curl", "ip": "198.51.100.9", "session": "c", "expect": "ok", "label": "benign", "note": "mislabelled on purpose"}
JSONL
($rc, $out) = $t->run_cmd([@common, $t->path('bad.jsonl')], timeout => 60);
is($rc, 1, 'an expectation that fails: exit 1');
like($out, qr/expect=ok FAILED/, 'the failure is shown');

($rc, $out) = $t->run_cmd([@common, '--max-fpr', '0', $t->path('bad.jsonl')],
                          timeout => 60);
like($out, qr/FAILED: false-positive rate above/, '--max-fpr');

$t->write_file('typo.jsonl', qq({"t": 0, "expcet": "ok"}\n));
($rc, undef, $err) = $t->run_cmd([@common, $t->path('typo.jsonl')]);
is($rc, 2, 'a typo in a scenario: exit 2');
like($err, qr/typo\.jsonl:1: unknown field "expcet"/, 'names file and line');

# ---- the browser profiles on the wire

# A ClientHello (hex from the type byte on): its cipher suites, its
# extensions (type and payload) in order.
sub parse_hello {
    my ($hex) = @_;
    my $b = pack 'H*', $hex;
    my $p = 4 + 2 + 32;
    $p += 1 + unpack 'C', substr($b, $p, 1);
    my $n = unpack 'n', substr($b, $p, 2);
    my @ciphers = unpack 'n*', substr($b, $p + 2, $n);
    $p += 2 + $n;
    $p += 1 + unpack 'C', substr($b, $p, 1);
    my $end = $p + 2 + unpack 'n', substr($b, $p, 2);
    $p += 2;
    my @ext;
    while ($p + 4 <= $end) {
        my ($type, $len) = unpack 'nn', substr($b, $p, 4);
        push @ext, [$type, substr($b, $p + 4, $len)];
        $p += 4 + $len;
    }
    return { ciphers => \@ciphers, ext => \@ext };
}

sub grease { ($_[0] & 0x0f0f) == 0x0a0a && ($_[0] >> 8) == ($_[0] & 0xff) }

sub ext_data {
    my ($h, $type) = @_;
    my ($e) = grep { $_->[0] == $type } @{ $h->{ext} };
    return $e ? $e->[1] : undef;
}

sub sigalgs {
    my ($h) = @_;
    my $d = ext_data($h, 0x000d) // return ();
    return grep { !grease($_) } unpack 'n*', substr($d, 2);
}

sub alpn_list {
    my ($h) = @_;
    my $d = ext_data($h, 0x0010) // return ();
    my ($p, @l) = (2);
    while ($p < length $d) {
        my $n = unpack 'C', substr($d, $p, 1);
        push @l, substr($d, $p + 1, $n);
        $p += 1 + $n;
    }
    return @l;
}

# JA4 as FoxIO's technical_details/JA4.md describes it, for TLS over TCP.
sub ja4_of {
    my ($h) = @_;
    my @c = grep { !grease($_) } @{ $h->{ciphers} };
    my @e = grep { !grease($_) } map { $_->[0] } @{ $h->{ext} };
    my $sv = ext_data($h, 0x002b);
    my ($v) = sort { $b <=> $a } grep { !grease($_) }
        unpack 'n*', substr($sv // '', 1);
    my %ver = (0x0304 => '13', 0x0303 => '12', 0x0302 => '11',
               0x0301 => '10');
    my ($alpn) = alpn_list($h);
    my $a = sprintf 't%s%s%02d%02d%s', $ver{ $v // 0 } // '00',
        (grep { $_ == 0 } @e) ? 'd' : 'i', @c > 99 ? 99 : scalar @c,
        @e > 99 ? 99 : scalar @e,
        defined $alpn ? substr($alpn, 0, 1) . substr($alpn, -1) : '00';
    my $hx = sub { join ',', sort map { sprintf '%04x', $_ } @_ };
    my $ext = $hx->(grep { $_ != 0 && $_ != 0x0010 } @e);
    my @sig = sigalgs($h);
    $ext .= '_' . join ',', map { sprintf '%04x', $_ } @sig if @sig;
    return join '_', $a, substr(sha256_hex($hx->(@c)), 0, 12),
        substr(sha256_hex($ext), 0, 12);
}

sub has_grease_ext { scalar grep { grease($_->[0]) } @{ $_[0]{ext} } }

sub first_group_grease {
    my $d = ext_data($_[0], 0x000a) // return 0;
    return length $d >= 4 && grease(unpack 'n', substr($d, 2, 2));
}

SKIP: {
    my $ref_file = File::Spec->catfile(SGTest->root, '..', 'shared',
                                       'testdata', 'tls',
                                       'clienthellos.jsonl');
    skip "reference ClientHellos not found ($ref_file)", 1 unless -r $ref_file;
    my $why = SGTest::Capture->missing;
    skip $why, 1 if $why;

    my %ref;
    open my $fh, '<', $ref_file or die "$ref_file: $!";
    while (<$fh>) {
        my $r = JSON::PP::decode_json($_);
        $ref{"$r->{pcap}#$r->{frame}"} = $r;
    }
    close $fh;

    # Which capture stands for which browser (docs/replay.md): Chrome 116 on
    # Windows (its User-Agent is in the decrypted HTTP/2 of the same file),
    # Chrome 107 on macOS (likewise, over QUIC in the same file), Edge
    # (edge.microsoft.com), Firefox (contile.services.mozilla.com),
    # and an Apple-stack client, the closest there is to Safari.
    my %ref_of = (chrome => 'http2-with-cookies.pcapng#4',
                  'chrome-mac' => 'chrome-cloudflare-quic-with-secrets.pcapng#4',
                  edge => 'browsers-x509.pcapng#4',
                  firefox => 'tls12.pcap#1',
                  apple => 'macos_tcp_flags.pcap#4');
    for my $k (sort keys %ref_of) {
        my $r = $ref{ $ref_of{$k} };
        ok($r, "reference $ref_of{$k} is there") or next;
        is(ja4_of(parse_hello($r->{client_hello_hex})), $r->{ja4},
           "this test's JA4 of $ref_of{$k} is the reference's");
    }

    my @browsers = (
        [chrome => [qw(chrome-windows chrome-linux chrome-android)]],
        ['chrome-mac' => ['chrome-macos']],
        [edge => ['edge-windows']],
        [firefox => [qw(firefox-linux firefox-windows)]],
    );

    my $h2 = $t->port('H2');
    my $keylog = $t->path('keys.log');
    my $chromium_keys = $t->path('chromium-keys.log');
    my $cap = SGTest::Capture->start($t, port => $h2);

    my @names = ((map { @{ $_->[1] } } @browsers), qw(safari-macos
                 safari-ios chromium-linux curl python-requests));
    $t->write_file('wire.jsonl', join '', map {
        qq({"t": 0, "client": "$_", "path": "/$_"}\n) } @names);
    my ($wrc, $wout, $werr) = $t->run_cmd(
        [$replay, '--target', "https://localhost:$h2", '--keylog', $keylog,
         '--json', $t->path('wire.jsonl')], timeout => 60);
    is($wrc, 0, 'every profile got its answer over HTTP/2 or HTTP/1.1')
        or diag("$wout\n$werr");

    my $have_chromium = SGTest::Capture::have('chromium');
    SGTest::Capture::chromium_dom($t, "https://localhost:$h2/chromium",
                                  args => ["--ssl-key-log-file=$chromium_keys"])
        if $have_chromium;

    # live curl and Python (requests), for the library profiles
    my ($have_curl, $py_ok) = (SGTest::Capture::have('curl'), 0);
    if ($have_curl) {
        $t->run_cmd(['env', 'SSLKEYLOGFILE=' . $t->path('curl-keys.log'),
                     'curl', '-sk', '-o', '/dev/null',
                     "https://localhost:$h2/live-curl"], timeout => 20);
    }
    # only the stack the profile was taken from: urllib3 2 on OpenSSL 3.0
    my ($pst, $pout) = $t->run_cmd(['python3', '-c', 'import ssl, urllib3, '
        . 'requests; print(ssl.OPENSSL_VERSION, urllib3.__version__)'],
        timeout => 20);
    if ($pst == 0 && ($pout // '') =~ /^OpenSSL 3\.0\.\S+ \S+ \S+ \S+ 2\./) {
        $py_ok = 1;
        $t->run_cmd(['python3', '-c', 'import requests, urllib3; '
            . 'urllib3.disable_warnings(); '
            . "requests.get('https://localhost:$h2/live-python', "
            . 'verify=False)'], timeout => 20);
    }

    $cap->stop;
    ok($cap->complete, 'the capture was complete');

    # the connection of each client, by its port and path in nginx's log
    my (%port_of, %proto_of);
    for (split /\n/, $t->read_file('wire.log') // '') {
        my ($port, $proto, $h2v, $uri, $ua) =
            /^(\d+) (\S+) h2=(\S*) uri=(\S+) ja4=\S* ua="(.*)"$/ or next;
        (my $who = $uri) =~ s{^/}{};
        $port_of{$who} //= $port;
        $proto_of{$who} //= "$proto $h2v";
    }
    my $hellos = $cap->first_hello_by_port;
    my $hello_at = sub {
        my $port = $port_of{ $_[0] } // return undef;
        return $hellos->{$port} ? parse_hello($hellos->{$port}{hex}) : undef;
    };
    my %hello_of = map { ($_ => $hello_at->($_)) } @names;

    for my $b (@browsers) {
        my ($kind, $profiles) = @$b;
        my $r = $ref{ $ref_of{$kind} } or next;
        my $rh = parse_hello($r->{client_hello_hex});
        for my $name (@$profiles) {
            my $h = $hello_of{$name};
            ok($h, "$name: tshark captured its ClientHello") or next;
            is(ja4_of($h), $r->{ja4}, "$name: JA4 is the reference's "
                                      . "($ref_of{$kind})");
            is(!!has_grease_ext($h), !!has_grease_ext($rh),
               "$name: GREASE extensions " . (has_grease_ext($rh)
                                              ? 'as' : 'none, as')
               . ' in the reference');
            is(!!first_group_grease($h), !!first_group_grease($rh),
               "$name: " . (first_group_grease($rh) ? 'a' : 'no')
               . ' GREASE group first, as in the reference');
            is(join(',', alpn_list($h)), join(',', alpn_list($rh)),
               "$name: ALPN " . join(',', alpn_list($rh)));
            is($proto_of{$name}, 'HTTP/2.0 h2',
               "$name: nginx served it over HTTP/2");
        }
    }

    # Safari: no Safari capture; the Apple-stack one lacks only the 3DES
    # suites, which Debian's OpenSSL does not build
    my $ar = $ref{ $ref_of{apple} };
    for my $name (qw(safari-macos safari-ios)) {
        my $h = $hello_of{$name};
        ok($h, "$name: tshark captured its ClientHello") or next;
        my ($ga, $gb, $gc) = split /_/, ja4_of($h);
        my ($ra, $rb, $rc) = split /_/, $ar->{ja4};
        is($gc, $rc, "$name: JA4 part c is the Apple capture's ($rc)");
        is(substr($ga, 6), substr($ra, 6),
           "$name: extension count and ALPN as in the Apple capture");
        my %ours = map { $_ => 1 } @{ $h->{ciphers} };
        is(join(',', map { sprintf '%04x', $_ }
                grep { !$ours{$_} } @{ parse_hello($ar->{client_hello_hex})
                                           ->{ciphers} }),
           'c008,c012,000a', "$name: the capture's suites but 3DES");
        is($proto_of{$name}, 'HTTP/2.0 h2',
           "$name: nginx served it over HTTP/2");
    }

    is($proto_of{'python-requests'}, 'HTTP/1.1 ',
       'python-requests offers only http/1.1 and gets it');

    # the library profiles against the live libraries, same stack
    SKIP: {
        skip 'curl not installed', 2 unless $have_curl;
        my $live = $hello_at->('live-curl');
        my $prof = $hello_of{curl};
        ok($live && $prof, 'curl and its profile were captured')
            or skip 'no hello', 1;
        is(ja4_of($prof), ja4_of($live),
           'curl: the profile\'s JA4 is the live curl\'s (' . ja4_of($live)
           . ')');
    }
    SKIP: {
        skip 'no Python with requests and urllib3 2 on OpenSSL 3.0', 2
            unless $py_ok;
        my $live = $hello_at->('live-python');
        my $prof = $hello_of{'python-requests'};
        ok($live && $prof, 'Python and its profile were captured')
            or skip 'no hello', 1;
        is(ja4_of($prof), ja4_of($live),
           'python-requests: the profile\'s JA4 is the live one\'s ('
           . ja4_of($live) . ')');
    }

    # ---- HTTP/2 frames, decrypted by tshark with the harness's key log
    my $frames = sub {
        my ($file, $keys) = @_;
        my ($st, $out) = $t->run_cmd(
            ['tshark', '-r', $file, '-o', "tls.keylog_file:$keys",
             '-d', "tcp.port==$h2,tls", '-Y', 'http2', '-T', 'fields',
             '-E', 'separator=|', '-e', 'tcp.srcport', '-e', 'http2.type',
             '-e', 'http2.settings.id', '-e', 'http2.window_update.'
             . 'window_size_increment', '-e', 'http2.headers.weight_real',
             '-e', 'http2.exclusive', '-e', 'http2.header.name',
             map { ('-e', "http2.settings.$_") } qw(header_table_size
             enable_push max_concurrent_streams initial_window_size
             max_frame_size max_header_list_size)], timeout => 60);
        my %f;
        for (split /\n/, $out // '') {
            my ($port, $types, $ids, $win, $w, $x, $names, @v) =
                map { $_ // '' } split /\|/, $_, -1;
            my $c = $f{$port} //= {};
            if ($types =~ /^4/ && length $ids && !defined $c->{settings}) {
                $c->{settings} = $ids;
                $c->{values} = join ';', map { $_ // '' } @v;
            }
            $c->{window} //= $win if length($win // '');
            if ($types =~ /\b1\b/ && length($names // '')
                && !defined $c->{headers}) {
                $c->{headers} = $names;
                $c->{priority} = ($w // '') . ':' . ($x // '');
            }
        }
        return \%f;
    };
    my $ours = $frames->($cap->file, $keylog);
    my $rf = $frames->(File::Spec->catfile(SGTest->root, '..', 'shared',
                       'testdata', 'tls', 'pcap', 'http2-with-cookies.pcapng'),
                       '/dev/null');
    my ($rport) = grep { ($rf->{$_}{headers} // '') =~ /^:method/ }
                  sort keys %$rf;
    my $chrome = $ours->{ $port_of{'chrome-windows'} // '' } // {};
    my $rc = $rport ? $rf->{$rport} : {};
    ok($rc->{settings}, 'the reference Chrome connection is decrypted');
    is($chrome->{settings}, $rc->{settings},
       "chrome-windows: SETTINGS ids as Chrome 116's ($rc->{settings})");
    is($chrome->{values}, $rc->{values},
       "chrome-windows: SETTINGS values as Chrome 116's ($rc->{values})");
    is($chrome->{window}, $rc->{window},
       'chrome-windows: the connection window update as Chrome 116\'s');
    is($chrome->{priority}, $rc->{priority},
       'chrome-windows: HEADERS priority as Chrome 116\'s');
    # our names, in order, are a subsequence of the reference request's
    # (which adds high-entropy client hints and x-client-data)
    my @want = split /,/, $rc->{headers} // '';
    my @got = split /,/, $chrome->{headers} // '';
    my $i = 0;
    for my $g (@got) {
        $i++ while $i < @want && $want[$i] ne $g;
        last if $i == @want;
        $i++;
    }
    ok(@got > 10 && $i <= @want && $got[0] eq ':method'
       && "@got[0..3]" eq "@want[0..3]",
       "chrome-windows: header order fits Chrome 116's (@got)");

    SKIP: {
        skip 'curl not installed', 1 unless $have_curl;
        my $live = $frames->($cap->file, $t->path('curl-keys.log'))
                       ->{ $port_of{'live-curl'} // '' } // {};
        my $prof = $ours->{ $port_of{curl} // '' } // {};
        is(join(' ', map { $prof->{$_} // '-' }
                    qw(settings values window priority headers)),
           join(' ', map { $live->{$_} // '-' }
                    qw(settings values window priority headers)),
           'curl: HTTP/2 SETTINGS, window, priority and headers as the '
           . 'live curl\'s');
    }

    my %pseudo = ('firefox-linux' => ':method :path :authority :scheme',
                  'safari-macos' => ':method :scheme :path :authority',
                  'edge-windows' => ':method :authority :scheme :path');
    for my $name (sort keys %pseudo) {
        my $c = $ours->{ $port_of{$name} // '' } // {};
        my @n = split /,/, $c->{headers} // '';
        is("@n[0..3]", $pseudo{$name}, "$name: pseudo-header order");
    }

    SKIP: {
        skip 'chromium not installed', 9 unless $have_chromium;
        my $l = $hello_at->('chromium');
        ok($l, 'the live Chromium\'s ClientHello was captured')
            or skip 'no live hello', 8;
        my $o = $hello_of{'chromium-linux'};
        ok($o, 'chromium-linux: tshark captured its ClientHello')
            or skip 'no hello', 7;
        my ($la, $lb) = split /_/, ja4_of($l);
        my ($oa, $ob) = split /_/, ja4_of($o);
        is("${oa}_$ob", "${la}_$lb",
           "chromium-linux: JA4 parts a and b are the live Chromium's");
        my $sorted = sub { join ',', sort map { sprintf '%04x', $_ }
                           grep { !grease($_) } @_ };
        is($sorted->(map { $_->[0] } @{ $o->{ext} }),
           $sorted->(map { $_->[0] } @{ $l->{ext} }),
           'chromium-linux: the live Chromium\'s extensions');
        ok(has_grease_ext($o) && has_grease_ext($l),
           'chromium-linux: GREASE extensions, as the live Chromium');
        ok(first_group_grease($o) && first_group_grease($l),
           'chromium-linux: a GREASE group first, as the live Chromium');
        # ML-DSA (0x0904-0x0906) is beyond OpenSSL 3.0's signature list
        my %mldsa = map { $_ => 1 } 0x0904, 0x0905, 0x0906;
        is(join(',', sigalgs($o)),
           join(',', grep { !$mldsa{$_} } sigalgs($l)),
           'chromium-linux: the live signature algorithms but ML-DSA');

        my $live = $frames->($cap->file, $chromium_keys)
                       ->{ $port_of{chromium} // '' } // {};
        my $oc = $ours->{ $port_of{'chromium-linux'} // '' } // {};
        is(join(' ', map { $oc->{$_} // '-' }
                    qw(settings values window priority)),
           join(' ', map { $live->{$_} // '-' }
                    qw(settings values window priority)),
           'chromium-linux: SETTINGS, window and priority as the live one');
        is($oc->{headers}, $live->{headers},
           'chromium-linux: the live Chromium\'s header order');
    }

    # a TLS 1.2 server: the renegotiation_info extension needs TLS 1.3
    # here, so the harness connects again the OpenSSL way
    my $tls12 = $t->port('TLS12');
    $t->write_file('tls12.jsonl',
                   qq({"t": 0, "client": "chrome-windows"}\n));
    my ($r12, $o12) = $t->run_cmd(
        [$replay, '--target', "https://localhost:$tls12",
         $t->path('tls12.jsonl')], timeout => 30);
    is($r12, 0, 'a TLS 1.2 server answers the Chrome profile') or diag($o12);
    like($t->read_file('tls12.log') // '', qr/ HTTP\/1\.1 h2= /,
         'over HTTP/1.1 (no h2 there)');
}


# ---- profile files: the new fields, and what they refuse
$t->write_file('bad-ext.json',
               qq([{"name": "x", "tls": {"extensions": ["0xff01"]}}]\n));
$t->write_file('bad-h2.json',
               qq([{"name": "x", "h2": {"pseudo": "m,a"}}]\n));
$t->write_file('bad-name.json',
               qq([{"name": "x", "tls": {"extensions": ["alps"]}}]\n));
$t->write_file('one.jsonl', qq({"t": 0, "client": "x", "path": "/x"}\n));
for (['bad-ext.json', qr/tls\.extensions: 65281 is sent by OpenSSL itself/],
     ['bad-h2.json', qr/bad or unknown h2 field "pseudo"/],
     ['bad-name.json', qr/bad extension "alps"/]) {
    my ($file, $msg) = @$_;
    my ($prc, undef, $perr) = $t->run_cmd(
        [$replay, '--profiles', $t->path($file), '--target',
         'https://localhost:' . $t->port('H2'), $t->path('one.jsonl')]);
    is($prc, 2, "$file: exit 2");
    like($perr, $msg, "$file: says why");
}

# a browser profile with its browser fields turned off is OpenSSL again
$t->write_file('plain.json', <<'JSON');
[{"name": "x", "base": "chrome-windows",
  "tls": {"grease": false, "renegotiation_info": false, "extensions": null},
  "h2": {"pseudo": "m,p,s,a", "settings": "", "window_update": 0,
         "priority": "0"}}]
JSON
my ($xrc, $xout) = $t->run_cmd(
    [$replay, '--profiles', $t->path('plain.json'), '--json', '--target',
     'https://localhost:' . $t->port('H2'), $t->path('one.jsonl')],
    timeout => 30);
my $xdoc = eval { JSON::PP::decode_json($xout) } || { requests => [{}] };
is($xdoc->{requests}[0]{http}, '2', 'a profile from a file speaks HTTP/2');
my ($xja4) = ($t->read_file('wire.log') // '') =~ m{ uri=/x ja4=(\S+)};
ok($xja4 && $xja4 !~ /_8daaf6152771_/,
   "without the browser fields the ciphers carry OpenSSL's SCSV ("
   . ($xja4 // '?') . ')');

$t->done;
