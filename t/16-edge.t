# Behind a TLS-terminating edge: session_guard_tls_from takes the client's
# JA4 from a header the edge sets, only when the connection comes from a
# listed address (the TCP peer, before realip), and removes the header
# before the upstream in every case.
#   1. from the edge: the header's JA4 is the request's TLS observation
#      (binding, the same client resuming, another client: tls_changed)
#   2. from anywhere else the header is ignored: a thief who forges it is
#      judged on their own ClientHello; realip cannot make them the edge
#   3. malformed, repeated or absent from the edge: no TLS observation
#   4. the header never reaches the upstream, guarded location or not
#   5. one edge connection carries many clients: HTTP/2 requests of two
#      clients on one connection are judged apart
#   6. configuration errors name the file and line
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;

my $t = SGTest->new(module => 1, redis => 1, timeout => 120);

my $UA = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.60 '
    . 'Safari/537.36';
my $HDR = 'CloudFront-Viewer-JA4-Fingerprint';
my $JA4_A = 't13d1516h2_8daaf6152771_e5627efa2ab1';
my $JA4_A2 = 't13d1517h2_8daaf6152771_b1ff8ab2d16f';   # A, resumed
my $JA4_B = 't13d1715h2_5b57614c22b0_3d5424432f57';    # another stack
my $SIG_A = 'e1_t1315_8daaf6152771';

$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->define(BACKEND_ECHO => join '\n', 'sg-begin',
    'tag=$http_x_session_guard', 'tls=$http_x_sg_tls', 'ja4=$http_x_sg_ja4',
    'edge=$http_cloudfront_viewer_ja4_fingerprint', 'remote=$http_x_sg_addr',
    'sg-end', '');
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms prefix=sgt16:;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_new_sessions off;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        underscores_in_headers on;

        # realip trusts all of loopback; the edge is 127.0.0.1 only
        set_real_ip_from 127.0.0.0/8;
        real_ip_header X-Forwarded-For;

        session_guard on;
        session_guard_session cookie=sid;
        session_guard_threshold tag=40 block=off;
        # clients below follow each other within seconds
        session_guard_weight concurrent_use 0;
        session_guard_tls_from CloudFront-Viewer-JA4-Fingerprint
                               from=127.0.0.1 from=::1;

        proxy_set_header X-SG-TLS $session_guard_tls;
        proxy_set_header X-SG-JA4 $session_guard_ja4;
        proxy_set_header X-SG-Addr $remote_addr;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }

        location /open/ {
            session_guard off;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        underscores_in_headers on;
        location / {
            return 200 "%%BACKEND_ECHO%%";
        }
    }
CONF
$t->start;

sub echo_of {
    my ($r) = @_;
    my %e = map { /^(\w+)=(.*)$/ ? ($1, $2) : () }
            split /\n/, $r->{body} // '';
    my %tag = map { /^(\w+)=(.*)$/ ? ($1, $2) : () }
              split /;\s*/, $e{tag} // '';
    $e{verdict} = $tag{verdict} // '';
    $e{reasons} = $tag{reasons} // '';
    return \%e;
}

sub req {
    my ($path, %o) = @_;
    my @h = ($UA, @{ delete $o{headers} || [] });
    push @h, "$HDR: $o{ja4}" if defined $o{ja4};
    delete $o{ja4};
    my $r = $t->get($path, https => 1, headers => \@h, %o);
    die "no response: $r->{error}\n" unless $r->{status};
    return echo_of($r);
}

# ---- 1. from the edge: its JA4 is the observation
my $e = req('/a', cookie => 'sid=s1', ja4 => $JA4_A);
is($e->{verdict}, 'new', 'edge, first sight: new');
is($e->{ja4}, $JA4_A, '$session_guard_ja4 is the edge\'s JA4');
is($e->{tls}, $SIG_A, '$session_guard_tls is made from it (e1_)');
is($e->{edge}, '', 'the header does not reach the upstream');

$e = req('/a', cookie => 'sid=s1', ja4 => $JA4_A);
is($e->{verdict}, 'ok', 'edge, same JA4: ok');

$e = req('/a', cookie => 'sid=s1', ja4 => $JA4_A2);
is($e->{verdict}, 'ok', 'edge, the same client resuming (other ext part): ok');
is($e->{ja4}, $JA4_A2, 'the resumed JA4 is shown as sent');

$e = req('/a', cookie => 'sid=s1', ja4 => $JA4_B);
is($e->{verdict}, 'tag', 'edge, another JA4: tag');
like($e->{reasons}, qr/\btls_changed\b/, '... for tls_changed');
unlike($e->{tls}, qr/^s1_/, '... and the signature is never a direct one');

# realip gives the client's address; the edge is still the TCP peer
$e = req('/a', cookie => 'sid=s1', ja4 => $JA4_A,
         headers => ['X-Forwarded-For: 198.51.100.7']);
is($e->{remote}, '198.51.100.7', 'realip: $remote_addr is the client');
is($e->{verdict}, 'ok', 'realip: the edge header is still honoured');

# ---- 2. from anywhere else: ignored
my $direct = req('/fp', cookie => 'sid=other', source_ip => '127.0.0.2');
like($direct->{tls}, qr/^s1_/, 'direct client: its own stable signature');
isnt($direct->{ja4}, $JA4_A, 'direct client: its own JA4');

$e = req('/a', cookie => 'sid=s1', ja4 => $JA4_A, source_ip => '127.0.0.2');
is($e->{ja4}, $direct->{ja4}, 'forged header from 127.0.0.2: JA4 is the '
   . 'real ClientHello\'s');
is($e->{tls}, $direct->{tls}, '... and so is the signature');
is($e->{verdict}, 'tag', 'forged header: the thief gains nothing (tag)');
like($e->{reasons}, qr/\btls_changed\b/, '... for tls_changed');
is($e->{edge}, '', '... and the forged header does not reach the upstream');
like($t->error_log, qr/"CloudFront-Viewer-JA4-Fingerprint" from 127\.0\.0\.2, not a trusted address, ignored/,
     'the ignored header is logged');

# realip makes $remote_addr 127.0.0.1, but the TCP peer is not the edge
$e = req('/a', cookie => 'sid=s1', ja4 => $JA4_A, source_ip => '127.0.0.2',
         headers => ['X-Forwarded-For: 127.0.0.1']);
is($e->{remote}, '127.0.0.1', 'forged X-Forwarded-For: $remote_addr 127.0.0.1');
is($e->{tls}, $direct->{tls}, '... but the header is still ignored');
is($e->{verdict}, 'tag', '... tag');

# the underscore spelling is removed too
$e = req('/a', cookie => 'sid=other', source_ip => '127.0.0.2',
         headers => ['CloudFront_Viewer_JA4_Fingerprint: ' . $JA4_A]);
is($e->{edge}, '', 'spelt with "_": removed');

# ---- 3. malformed, repeated, absent from the edge: no observation
for my $bad (['malformed', ["$HDR: t13d1516h2_8DAAF6152771_e5627efa2ab1"]],
             ['raw form', ["$HDR: t13d1516h2_1301,1302_0000"]],
             ['empty', ["$HDR;"]],
             ['twice', ["$HDR: $JA4_A", "$HDR: $JA4_A"]],
             ['absent', []])
{
    my ($name, $h) = @$bad;
    $e = req('/a', cookie => 'sid=s1', headers => $h);
    is($e->{tls}, '', "$name: no TLS signature");
    is($e->{ja4}, '', "$name: no JA4 (not the edge's own)");
    is($e->{verdict}, 'tag', "$name: tag");
    like($e->{reasons}, qr/\btls_missing\b/, "$name: tls_missing");
    is($e->{edge}, '', "$name: nothing reaches the upstream");
}
like($t->error_log, qr/"CloudFront-Viewer-JA4-Fingerprint" from 127\.0\.0\.1 is not a JA4, ignored/,
     'a malformed value is logged');
like($t->error_log, qr/"CloudFront-Viewer-JA4-Fingerprint" sent 2 times by 127\.0\.0\.1, ignored/,
     'a repeated header is logged');

# ---- 4. an unguarded location of the guarded server strips it too
$e = req('/open/x', ja4 => $JA4_A);
is($e->{edge}, '', 'session_guard off: the header is removed (edge)');
$e = req('/open/x', ja4 => $JA4_A, source_ip => '127.0.0.2');
is($e->{edge}, '', 'session_guard off: the header is removed (other)');

# ---- 5. one edge connection, two clients (HTTP/2, one connection)
req('/a', cookie => 'sid=s2', ja4 => $JA4_A);
my @r = $t->get_many([
    ['/a', headers => [$UA, "$HDR: $JA4_A"], cookie => 'sid=s2'],
    ['/a', headers => [$UA, "$HDR: $JA4_B"], cookie => 'sid=s2'],
    ['/a', headers => [$UA, "$HDR: $JA4_A"], cookie => 'sid=s2'],
], http2 => 1, https => 1);
my @v = map { echo_of($_)->{verdict} } @r;
is($r[1]{num_connects} + $r[2]{num_connects}, 0, 'HTTP/2: one connection');
is_deeply(\@v, [qw(ok tag ok)],
          'HTTP/2: the other client on the same connection is tagged');

# ---- 6. configuration errors
my $t2 = SGTest->new(module => 1, timeout => 60);
$t2->write_file('secret', "0123456789abcdef0123456789abcdef\n");
my $srv = sub {
    my ($inner, $outer) = @_;
    return ($outer // '') . <<"CONF";
    session_guard_redis 127.0.0.1:6379;
    session_guard_secret_file %%PREFIX%%/secret;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        session_guard on;
        session_guard_session cookie=sid;
        $inner
        location / { proxy_pass http://127.0.0.1:1; }
    }
CONF
};
for my $c (['no address', "session_guard_tls_from X-JA4;",
            qr/"session_guard_tls_from" directive needs at least one "from=" address in \S+nginx\.conf:\d+/],
           ['bad address', "session_guard_tls_from X-JA4 from=10.0.0.300;",
            qr/invalid value "from=10\.0\.0\.300" in \S+nginx\.conf:\d+/],
           ['bad parameter', "session_guard_tls_from X-JA4 10.0.0.1;",
            qr/invalid parameter "10\.0\.0\.1" in \S+nginx\.conf:\d+/],
           ['bad name', "session_guard_tls_from X:JA4 from=10.0.0.1;",
            qr/invalid header name "X:JA4" in \S+nginx\.conf:\d+/],
           ['duplicate', "session_guard_tls_from X-JA4 from=10.0.0.1;\n"
                         . "session_guard_tls_from X-JA4 from=10.0.0.2;",
            qr/"session_guard_tls_from" directive is duplicate in \S+nginx\.conf:\d+/],
           ['location', "location /x { session_guard_tls_from X-JA4 from=10.0.0.1; }",
            qr/"session_guard_tls_from" directive is not allowed here in \S+nginx\.conf:\d+/],
           ['host bits', "session_guard_tls_from X-JA4 from=10.0.0.1/8;",
            qr/low address bits of 10\.0\.0\.1\/8 are meaningless/, 1],
           ['off', "session_guard_tls_from off;", undef],
           ['http level', '', undef,
            "session_guard_tls_from X-JA4 from=10.0.0.0/8 from=2001:db8::/32;\n"])
{
    my ($name, $inner, $expect, $passes, $outer) = @$c;
    $t2->write_config($srv->($inner, $outer));
    my ($ok, $out) = $t2->nginx_t;
    if (!defined $expect || $passes) {
        ok($ok, "config $name: nginx -t passes") or diag $out;
        like($out, $expect, "config $name: warns") if $expect;
    } else {
        ok(!$ok, "config $name: nginx -t fails");
        like($out, $expect, "config $name: names the problem and the line");
    }
}
$t2->teardown;

$t->done;
