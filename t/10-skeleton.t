# The walking skeleton: verdicts none/new/ok/tag/error over real nginx and
# Redis, over HTTP/1.1 and HTTP/2 with TLS; the raw cookie never reaches
# Redis; Redis going away and coming back.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;

my $t = SGTest->new(module => 1, redis => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=200ms prefix=sgt:;
    # curl and openssl play browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    # These tests are about Redis and the per-connection cache; the node's
    # shared cache has a suite of its own (t/18-shared-cache.t).
    session_guard_shared_cache off;

    log_format guard '$session_guard_verdict|$session_guard_reasons|'
                     '$session_guard_session_id';

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        listen 127.0.0.1:%%PORT_HTTP%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        access_log %%PREFIX%%/guard.log guard;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_threshold tag=40 block=off;    # monitor only

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }

        location = /metrics {
            session_guard off;
            session_guard_metrics;
        }

        location /off/ {
            session_guard off;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }

        location /closed/ {
            session_guard_on_error 503;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location / {
            return 200 "tag=$http_x_session_guard\n";
        }
    }
CONF
$t->start;

sub tag_of {
    my ($r) = @_;
    return {} unless $r->{status} == 200 && $r->{body} =~ /^tag=(.*)$/m;
    my %f = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $1;
    return \%f;
}

my $cookie = 'sid=Secret-Cookie-Value-4242';
my $ua = 'User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0';

for my $proto (['HTTP/1.1 over TLS', https => 1],
               ['HTTP/2 over TLS', https => 1, http2 => 1],
               ['plain HTTP/1.1'])
{
    my ($name, @o) = @$proto;
    my $c = "sid=$name-" . $$;
    $c =~ s/[^\w=-]/_/g;

    my $r = $t->get('/', @o, headers => [$ua]);
    is(tag_of($r)->{verdict}, 'none', "$name: no cookie, verdict none");

    $r = $t->get('/', @o, cookie => $c, headers => [$ua]);
    is($r->{http_version}, '2', "$name: spoke HTTP/2") if grep { $_ eq 'http2' } @o;
    is(tag_of($r)->{verdict}, 'new', "$name: first sight, verdict new");

    $r = $t->get('/', @o, cookie => $c, headers => [$ua]);
    is(tag_of($r)->{verdict}, 'ok', "$name: same device, verdict ok");

    $r = $t->get('/', @o, cookie => $c, headers => ['User-Agent: curl/7.88.1']);
    my $f = tag_of($r);
    is($f->{verdict}, 'tag', "$name: another device, verdict tag");
    like($f->{reasons}, qr/(^|,)device_changed(,|$)/,
         "$name: reason device_changed");
}

# A client cannot forge the tag header the upstream trusts.
my $r = $t->get('/', https => 1, cookie => $cookie,
                headers => [$ua, 'X-Session-Guard: verdict=ok; score=0']);
my @tags = ($r->{body} =~ /^tag=/mg);
is(scalar @tags, 1, 'one tag header reaches the upstream');
is(tag_of($r)->{verdict}, 'new', 'the forged header was replaced');

# With session_guard off the request is not looked at.
$r = $t->get('/off/', https => 1, cookie => $cookie, headers => [$ua]);
is($r->{body}, "tag=\n", 'no tag header where session_guard is off');

# The raw cookie value is nowhere in Redis, neither in names nor in values.
my @keys = $t->redis_cmd('KEYS', '*');
ok(@keys >= 4, 'sessions are stored in redis (' . scalar(@keys) . ' keys)');
my $leaks = 0;
for my $k (@keys) {
    like($k, qr/^sgt:\{[0-9a-f]{32}\}:s$/, "key $k follows the schema");
    my $ttl = $t->redis_cmd('TTL', $k);
    ok($ttl > 0, "key $k has a TTL ($ttl)");
    my %h = $t->redis_cmd('HGETALL', $k);
    for my $s ($k, %h) {
        $leaks++ if $s =~ /Secret-Cookie-Value|HTTP_1_1|HTTP_2|plain/;
    }
}
is($leaks, 0, 'no raw cookie value in any redis key or value');
unlike($t->read_file('guard.log'), qr/Secret-Cookie-Value/,
       'no raw cookie value in the access log');
unlike($t->error_log, qr/Secret-Cookie-Value/,
       'no raw cookie value in the error log');

# The script cache is flushed (a Redis restart with persistence, a failover,
# SCRIPT FLUSH): EVALSHA gets NOSCRIPT and the module sends the script again.
$t->redis_cmd('SCRIPT', 'FLUSH');
$r = $t->get('/', https => 1, cookie => $cookie, headers => [$ua]);
is(tag_of($r)->{verdict}, 'ok', 'after SCRIPT FLUSH: still ok (NOSCRIPT handled)');
unlike($t->error_log, qr/NOSCRIPT/, 'NOSCRIPT is not an error');

# Redis goes away: requests are still answered, within the timeout.
$t->redis_stop;
for my $i (1 .. 3) {
    $r = $t->get('/', https => 1, http2 => 1, cookie => $cookie,
                 headers => [$ua], max_time => 3);
    is($r->{status}, 200, "redis down ($i): request answered");
    is(tag_of($r)->{verdict}, 'error', "redis down ($i): verdict error");
    cmp_ok($r->{elapsed}, '<', 1.5, "redis down ($i): answered quickly");
}

# Fail closed where asked to; requests without a session are not affected.
$r = $t->get('/closed/', https => 1, cookie => $cookie, headers => [$ua],
             max_time => 3);
is($r->{status}, 503, 'redis down, session_guard_on_error 503: fails closed');
$r = $t->get('/closed/', https => 1, headers => [$ua], max_time => 3);
is($r->{status}, 200, 'fail closed: a request without a session still passes');
like($t->get('/metrics', https => 1)->{body} // '', qr/^session_guard_redis_errors_total [1-9]/m,
     'the failures are counted');

# Redis comes back (empty): the module reconnects by itself.
$t->redis_start;
my $back = $t->wait_until(sub {
    my $x = $t->get('/', https => 1, cookie => $cookie, headers => [$ua]);
    return (tag_of($x)->{verdict} // '') eq 'new';
}, timeout => 10);
ok($back, 'redis back: verdict new again (the store was empty)');
$r = $t->get('/', https => 1, cookie => $cookie, headers => [$ua]);
is(tag_of($r)->{verdict}, 'ok', 'redis back: verdict ok');

like($t->error_log, qr/session_guard: redis "127\.0\.0\.1:\d+" connection lost/,
     'the outage was logged');
like($t->error_log, qr/connected again/, 'the recovery was logged');

# A silent Redis (accepts, never answers): verdict error after the timeout.
my $silent = IO::Socket::INET->new(Listen => 5, LocalAddr => '127.0.0.1',
                                   LocalPort => 0, ReuseAddr => 1)
    or die "listen: $!";
$t->stop_nginx;
my $conf = $t->config;
my $port = $silent->sockport;
$conf =~ s/session_guard_redis 127\.0\.0\.1:\d+/session_guard_redis 127.0.0.1:$port/;
$t->write_raw_config($conf);
$t->start;
$r = $t->get('/', https => 1, cookie => $cookie, headers => [$ua],
             max_time => 3);
is(tag_of($r)->{verdict}, 'error', 'silent redis: verdict error');
cmp_ok($r->{elapsed}, '>=', 0.19, 'silent redis: waited for the timeout');
cmp_ok($r->{elapsed}, '<', 1.5, 'silent redis: not longer than needed');
like($t->error_log, qr/redis did not answer in time/, 'timeout logged');

# A server that never answers is dropped once it has been silent for a
# while, and connected to again: commands do not pile up behind it.
my @accepted;
$silent->blocking(0);
my $deadline = time + 8;
while (time < $deadline && @accepted < 2) {
    $t->get('/', https => 1, cookie => $cookie, headers => [$ua], max_time => 3);
    while (my $c = $silent->accept) { push @accepted, $c }
}
push @accepted, grep { defined } map { $silent->accept } 1 .. 3;
cmp_ok(scalar @accepted, '>=', 2, 'and connected to again after the drop');
like($t->error_log, qr/redis "127\.0\.0\.1:\d+" stopped answering: reconnecting/,
     'a silent server is dropped, and that is logged');
close $_ for @accepted;
close $silent;

$t->done;
