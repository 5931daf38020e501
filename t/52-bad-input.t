# Bad input in every header session_guard reads: an 8 KiB cookie, 300
# cookies (in one header and in 300), binary bytes, invalid UTF-8, control
# characters and terminal escapes in User-Agent, Accept-Language,
# Accept-Encoding, the client hints, the Cookie, X-Forwarded-For (realip)
# and the edge's JA4 header; forged tag headers in every spelling, also
# smuggled after a bare LF; HTTP/2 requests with huge header lists and many
# streams.
#
# Each request gets a clear outcome: a verdict (or nginx's own 400 for what
# HTTP forbids), never a 5xx, a dropped connection or a crash.  What the
# upstream receives is checked byte for byte (a raw backend records every
# request head): the module's own headers appear once each and match
# their grammar, no forged tag header and no edge header gets through.
# The module's variables, logged with escape=none, and every line of
# error.log are printable ASCII, and no cookie value is ever logged.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::Load;
use IO::Socket::INET;

my $t = SGTest->new(module => 1, redis => 1, timeout => 300);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    log_format sgvars escape=none
        'case=$http_x_case|$status|$session_guard_verdict|'
        '$session_guard_score|$session_guard_reasons|'
        '$session_guard_session_id|$session_guard_device|'
        '$session_guard_ja4|$session_guard_tls';
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_new_sessions off;
    session_guard_threshold tag=40 block=off;
    # Perl plays a browser here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    large_client_header_buffers 4 16k;
    http2_max_header_size 32k;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        listen 127.0.0.1:%%PORT_HTTP%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Forwarded-For;
        access_log %%PREFIX%%/vars.log sgvars;
        session_guard on;
        session_guard_session $cookie_sid;
        add_header X-Verdict $session_guard_verdict always;
        location / {
            proxy_set_header X-Device $session_guard_device;
            proxy_set_header X-Seen-JA4 $session_guard_ja4;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    # Behind an edge that reports the client's JA4.
    server {
        listen 127.0.0.1:%%PORT_EDGE%%;
        access_log %%PREFIX%%/vars.log sgvars;
        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_tls_from X-Edge-JA4 from=127.0.0.1;
        add_header X-Verdict $session_guard_verdict always;
        location / {
            proxy_set_header X-Seen-JA4 $session_guard_ja4;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }
CONF

# The backend: records every request head as it arrives, byte for byte.
my $raw = $t->path('backend.raw');
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
    LocalPort => $t->port('BACKEND'), Listen => 64, ReuseAddr => 1)
    or die "backend: $!";
my $backend = fork // die "fork: $!";
if ($backend == 0) {
    open my $out, '>>:raw', $raw or POSIX::_exit(1);
    $out->autoflush(1);
    while (my $c = $listen->accept) {
        my $head = '';
        while ($head !~ /\r\n\r\n/) {
            my $n = sysread $c, $head, 65536, length $head;
            last unless $n;
        }
        print {$out} "=====\n$head";
        syswrite $c, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                     . "Connection: close\r\n\r\nok\n";
        close $c;
    }
    POSIX::_exit(0);
}
close $listen;

$t->start;

my $UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
my $JA4 = 't13d1516h2_8daaf6152771_02713d6af862';
my $n = 0;
my %case;     # X-Case number => name
my %outcome;  # name => "status verdict"
my @secrets;  # cookie values that must never be logged

# One HTTP/1.1 request over its own connection, headers given raw; the
# defaults (Host, User-Agent, Accept-*) can be replaced by name.
sub request {
    my ($name, %o) = @_;
    my $id = ++$n;
    $case{$id} = $name;
    my $sid = $o{sid} // "bad-input-$id-" . int rand 1e9;
    push @secrets, $sid if length $sid >= 12;
    my %h = ('Host' => 'localhost', 'User-Agent' => $UA,
             'Accept-Language' => 'en-US,en;q=0.5',
             'Accept-Encoding' => 'gzip, deflate, br');
    $h{$_} = $o{set}{$_} for keys %{ $o{set} || {} };
    my @lines = ("GET /x HTTP/1.1", "X-Case: $id",
                 map({ defined $h{$_} ? "$_: $h{$_}" : () } sort keys %h),
                 ($o{no_cookie} ? () : ("Cookie: sid=$sid")),
                 @{ $o{extra} || [] }, 'Connection: close');
    my $req = join("\r\n", @lines) . "\r\n\r\n";
    my $resp = eval {
        $t->http_raw($o{port} // 'HTTPS', $req,
                     tls => ($o{port} // 'HTTPS') eq 'HTTPS', timeout => 5)
    } // '';
    my ($status) = $resp =~ m{^HTTP/1\.[01] (\d{3})};
    my ($verdict) = $resp =~ /^X-Verdict: (\S*)/mi;
    $status //= 0;
    $verdict //= '-';
    $outcome{$name} = "$status $verdict";
    my $want = $o{status} || qr/^200$/;
    like($status, $want, "$name: answered ($status, verdict $verdict)");
    like($verdict, qr/^(?:new|ok|tag|none|-)$/, "$name: a verdict")
        if $status == 200;
    return ($status, $verdict);
}

# A bound session, for the requests that change one header of its client.
my $victim = 'victim-' . int rand 1e9;
is((request('bind the victim', sid => $victim))[1], 'new', 'victim bound');
is((request('victim again', sid => $victim))[1], 'ok', 'victim ok');

my %payload = (
    'invalid UTF-8'    => "\xff\xfe\xfd\xc3\x28\xa0\xa1\xe2\x82",
    'binary'           => join('', map { chr } 0x80 .. 0xff),
    'controls'         => "a\x01\x02\x08\x0b\x0c\x1b[31mred\x1b[0m\x7fz",
    'log delimiters'   => q{a"b\c|d;e,f=g 'h' %s %n $x ${y}},
    'long'             => 'L' x 6000,
    'empty'            => '',
);
my @headers = ('User-Agent', 'Accept-Language', 'Accept-Encoding',
               'Sec-CH-UA', 'Sec-CH-UA-Platform', 'Sec-CH-UA-Mobile',
               'X-Forwarded-For');

for my $h (@headers) {
    for my $p (sort keys %payload) {
        request("$h: $p", sid => $victim, set => { $h => $payload{$p} });
    }
}

# Bytes HTTP forbids in a header value: nginx refuses them itself.
request('User-Agent with NUL', set => { 'User-Agent' => "a\x00b" },
        status => qr/^400$/);
request('User-Agent with a bare CR', set => { 'User-Agent' => "a\rX-Session-Guard: verdict=ok" },
        status => qr/^(?:200|400)$/);

# The cookie itself.
request("Cookie: $_", sid => "$payload{$_}") for grep { $_ ne 'long' } sort keys %payload;
request('Cookie: 8 KiB value', sid => 'C' x 8192);
request('Cookie: 15 KiB value', sid => 'D' x 15000, status => qr/^(?:200|400)$/);
request('Cookie: 20 KiB value', sid => 'E' x 20000, status => qr/^(?:400|494)$/);
my $many = join '; ', map { "c$_=v$_" } 1 .. 300;
request('300 cookies in one header', no_cookie => 1,
        extra => ["Cookie: $many; sid=$victim"]);
request('300 Cookie headers', no_cookie => 1,
        extra => [(map { "Cookie: c$_=v$_" } 1 .. 299), "Cookie: sid=$victim"]);
request('300 cookies, sid twice', no_cookie => 1,
        extra => ["Cookie: sid=one-$n; $many; SID=two-$n"]);
request('sid five times', no_cookie => 1,
        extra => [join '; ', 'Cookie: ' . join '; ', map { "sid=v$_-$n" } 1 .. 5],
        status => qr/^400$/);

# Forged tag headers, in every spelling, and smuggled after a bare LF.
request('forged tag header', sid => $victim,
        extra => ['X-Session-Guard: verdict=ok; score=0',
                  'x-session-guard: verdict=ok', 'X_Session_Guard: verdict=ok',
                  'X-SESSION-GUARD: verdict=ok']);
request('tag header after a bare LF', sid => $victim,
        set => { 'User-Agent' => "$UA\nX-Session-Guard: verdict=ok" });

# The edge's JA4 header.
for my $e (['valid', $JA4], ['garbage', "t13d\xff\x01_zz"],
           ['with a second header', "$JA4, X-Injected: 1"],
           ['long', 'J' x 6000], ['empty', '']) {
    my ($what, $v) = @$e;
    request("edge JA4 $what", port => 'EDGE', extra => ["X-Edge-JA4: $v"]);
}
request('edge JA4 twice', port => 'EDGE',
        extra => ["X-Edge-JA4: $JA4", 'X-Edge-JA4: t12d1516h2_8daaf6152771_02713d6af862']);

# --- HTTP/2 ------------------------------------------------------------------

SKIP: {
    skip 'nghttp/h2load (nghttp2-client) not installed', 6
        unless -x '/usr/bin/nghttp' && -x '/usr/bin/h2load';
    my $url = 'https://localhost:' . $t->port('HTTPS') . '/x';
    my @pad = map { ('-H', "x-pad-$_: " . ('p' x 100)) } 1 .. 200;
    my ($rc, $out) = $t->run_cmd(['nghttp', '-nv', $url, '-H', "cookie: sid=$victim",
                                  '-H', "user-agent: $UA", @pad], timeout => 10);
    my ($st) = $out =~ /:status: (\d+)/;
    like($st // 'none', qr/^200$/, 'HTTP/2, 200 headers (20 KiB): answered');
    @pad = map { ('-H', "x-pad-$_: " . ('p' x 100)) } 1 .. 600;
    ($rc, $out) = $t->run_cmd(['nghttp', '-nv', $url, '-H', "cookie: sid=$victim", @pad],
                              timeout => 10);
    ($st) = $out =~ /:status: (\d+)/;
    my $reset = $out =~ /RST_STREAM|GOAWAY/;
    ok(($st // '') =~ /^(?:400|431|494)$/ || $reset,
       'HTTP/2, 600 headers (60 KiB): refused by nginx');
    diag 'HTTP/2, 600 headers: ' . ($st ? "status $st" : $reset ? 'stream reset' : 'nothing');
    my @crumbs = map { ('-H', "cookie: c$_=v$_") } 1 .. 300;
    ($rc, $out) = $t->run_cmd(['nghttp', '-nv', $url, @crumbs, '-H', "cookie: sid=$victim",
                               '-H', "user-agent: $UA"], timeout => 10);
    ($st) = $out =~ /:status: (\d+)/;
    like($st // 'none', qr/^200$/, 'HTTP/2, 301 cookie crumbs: answered');
    ($rc, $out) = $t->run_cmd(['h2load', '-n', 3000, '-c', 3, '-m', 100,
                               '-H', "cookie: sid=$victim", '-H', "user-agent: $UA",
                               '-H', "x-bad: \xff\xfe", $url], timeout => 60);
    my ($done) = $out =~ /requests: \d+ total, \d+ started, (\d+) done/;
    my ($ok2xx) = $out =~ /status codes: (\d+) 2xx/;
    is($done, 3000, 'h2load: 3000 requests on 3 connections of 100 streams');
    is($ok2xx, 3000, 'h2load: every one 2xx');
    diag(($out =~ /^(finished in .*)$/m)[0] // $out);
    ok($t->nginx_running && 1 == $t->nginx_workers, 'the worker serves on');
}

# --- what reached the upstream ------------------------------------------------

sleep 0.3;
my @heads = grep { length } split /=====\n/, $t->read_file('backend.raw') // '';
ok(@heads > 50, scalar(@heads) . ' requests reached the backend');
my $JA4_RE = qr/t1[23][di]\d{4}[0-9a-z]{2}_[0-9a-f]{12}_[0-9a-f]{12}/;
my $TAG = qr/^\ verdict=(?:none|new|ok|tag|error) (?:;\ score=\d+)?
             (?:;\ reasons=[a-z_,]*)? (?:;\ session=[0-9a-f]{16})? \r$/x;
my (@bad_tag, @forged, @edge, @seen_ja4, @device);
for my $head (@heads) {
    my ($id) = $head =~ /^X-Case: (\d+)\r$/m;
    my $name = $case{$id // 0} // 'h2';
    my @tag = $head =~ /^X-Session-Guard:(.*)$/mgi;
    push @bad_tag, "$name: " . scalar(@tag) . " tag headers" if @tag != 1;
    push @bad_tag, "$name: tag '$_'" for grep { !/$TAG/ } @tag;
    push @forged, $name
        if $head =~ /^X[-_]Session[-_]Guard: verdict=ok(?:; score=0)?\r?$/mi;
    push @edge, $name if $head =~ /^X-Edge-JA4:/mi;
    my ($seen) = $head =~ /^X-Seen-JA4: (.*)\r$/mi;
    push @seen_ja4, "$name: $seen"
        if defined $seen && $seen !~ /^(?:$JA4_RE)?$/;
    push @device, $name
        if $head =~ /^X-Device: (.*)\r$/mi && $1 !~ /^[0-9a-f]*$/;
}
is_deeply(\@bad_tag, [],
          'the upstream gets one well-formed tag header per request');
is_deeply(\@forged, [], 'no forged tag header reaches the upstream');
is_deeply(\@edge, [], 'no edge JA4 header reaches the upstream');
is_deeply(\@seen_ja4, [], 'the JA4 the upstream gets is a JA4 or nothing');
is_deeply(\@device, [], 'the device hash the upstream gets is hex');

# --- what reached the logs ---------------------------------------------------

my $vars = $t->read_file('vars.log') // '';
my @unprintable = grep { /[^\x20-\x7e]/ } split /\n/, $vars;
sub first5 { return @_[0 .. ($#_ < 4 ? $#_ : 4)] }
is_deeply([first5(@unprintable)], [],
          'the module\'s variables (escape=none) are printable ASCII');
# case|status|verdict|score|reasons|session id|device|ja4|tls
my $VARS = qr/^case=\d*\|\d{3}\|(?:none|new|ok|tag|block|error|)\|\d*\|
              [a-z_,]*\|[0-9a-f]*\|[0-9a-f]*\|[0-9a-z_]*\|
              (?:s1_[0-9a-f]{16}|e1_[0-9a-z_]+)?$/x;
is_deeply([first5(grep { !/$VARS/ } split /\n/, $vars)], [],
          'every logged variable matches its grammar');
my $elog = $t->error_log;
my @raw_lines = grep { /[^\x20-\x7e\t]/ } split /\n/, $elog;
is_deeply([map { s/[^\x20-\x7e]/?/gr } first5(@raw_lines)], [],
          'error.log is printable ASCII');
my @leaked = grep {
    index($elog, $_) >= 0 || index($vars, $_) >= 0
} @secrets;
is_deeply(\@leaked, [], 'no cookie value in error.log or the access log');

diag sprintf "%-40s %s", $_, $outcome{$_} for sort keys %outcome;

kill 'TERM', $backend;
waitpid $backend, 0;
$t->done;
