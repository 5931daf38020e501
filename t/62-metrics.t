# The metrics over real nginx and Redis after a scripted attack, read with
# two parsers that are not ours: promtool's (Prometheus' own Go parser and
# linter, Debian's prometheus package) must accept the page without a
# complaint, and parse-prometheus-text-format (npm) gives the values:
# requests by reason, the Redis latency histogram, events written and
# dropped, the caches' hit ratio.  And the start-up warning for metrics
# locations without an access rule, next to the protected look-alikes.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::JS;
use JSON::PP ();

my $t = SGTest->new(module => 1, redis => 1);

my $promtool = grep { -x "$_/promtool" } split /:/, $ENV{PATH};
my ($js, $why) = SGTest::JS->ensure;

$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('htpasswd', "ops:{PLAIN}not-a-real-password\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms;
    # curl plays the browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_events;
    session_guard_shared_cache off;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_threshold tag=40 block=off;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;

        location = /metrics {                       # UNPROTECTED
            session_guard_metrics;
        }
        location = /metrics-allowed {
            allow 127.0.0.1;
            deny all;
            session_guard_metrics;
        }
        location = /metrics-basic {
            auth_basic "metrics";
            auth_basic_user_file %%PREFIX%%/htpasswd;
            session_guard_metrics;
        }
        location = /metrics-basic-off {             # UNPROTECTED
            auth_basic off;
            auth_basic_user_file %%PREFIX%%/htpasswd;
            session_guard_metrics;
        }
        location = /metrics-authreq {
            auth_request /auth;
            session_guard_metrics;
        }
        location = /auth {
            internal;
            return 204;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_OTHER%%;
        allow 127.0.0.0/8;
        deny all;

        location = /metrics {                       # inherits the rules
            session_guard_metrics;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location /login {
            add_header Set-Cookie "sid=$request_id; Path=/";
            add_header X-App-User alice;
            return 200 "welcome\n";
        }
        location / {
            return 200 "tag=$http_x_session_guard\n";
        }
    }
CONF
$t->start;

# The warning: once for each unprotected location, naming its line.
my @conf = split /\n/, $t->config;
# the line of the session_guard_metrics after each mark
my @unprotected = map { my $l = $_;
                        $l++ until $conf[$l - 1] =~ /session_guard_metrics;/;
                        $l }
                  grep { $conf[$_ - 1] =~ /# UNPROTECTED/ } 1 .. @conf;
my @warned = $t->error_log =~
    /\[warn\].*"session_guard_metrics" in \S+nginx\.conf:(\d+): the location has no access rule/g;
my %warned = map { $_ => 1 } @warned;
is(scalar keys %warned, 2, 'two locations warned about');
ok($warned{$_}, "the unprotected location's directive at line $_ warned about")
    for @unprotected;

my $CHROME = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
my @VICTIM = (https => 1, headers => [$CHROME]);
my @THIEF = (https => 1, tls_max => '1.2',
             ciphers => 'ECDHE-RSA-AES128-GCM-SHA256',
             headers => ['User-Agent: curl/7.88.1']);

my $login = $t->get('/login', @VICTIM);
my ($cookie) = ($login->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
ok($cookie, 'logged in');

# Four requests on one keep-alive connection: the first asks Redis, the
# other three are answered by the connection's cache.
my @own = $t->get_many([map { ['/page'] } 1 .. 4], @VICTIM,
                       cookie => "sid=$cookie");
is(scalar(grep { $_->{body} =~ /verdict=ok/ } @own), 4, 'owner: four ok');

my $replay = $t->get('/page', @THIEF, cookie => "sid=$cookie");
like($replay->{body}, qr/verdict=tag/, 'the replay is tagged');

my $R = $t->redis;
ok($t->wait_until(sub { $R->xlen('sg:{ev}:log') == 2 }, timeout => 3),
   'two events: the binding and the alert');

sub scrape {
    my ($path, %o) = @_;
    my $r = $t->get($path, %o);
    return $r;
}

SKIP: {
    skip 'promtool not found (Debian package prometheus)', 3
        unless $promtool;
    my $page = scrape('/metrics');
    is($page->{status}, 200, 'metrics served');
    my ($st, $out, $err) = $t->run_cmd(['promtool', 'check', 'metrics'],
                                       stdin => $page->{body});
    is($st, 0, 'promtool check metrics: accepted');
    is("$out$err", '', 'promtool check metrics: no lint complaint');
}

sub families {
    my ($body) = @_;
    my ($st, $out, $err) = $t->run_cmd(
        ['env', "NODE_PATH=$js/node_modules", 'node',
         SGTest::JS->root . '/t/js/prom-parse.js'],
        stdin => $body);
    die "prom-parse: $err" if $st;
    my %f = map { $_->{name} => $_ } @{ JSON::PP::decode_json($out) };
    return \%f;
}

sub value {
    my ($f, $name, %labels) = @_;
    my $fam = $f->{$name} or return undef;
    for my $m (@{ $fam->{metrics} }) {
        my $l = $m->{labels} || {};
        next if grep { ($l->{$_} // '') ne $labels{$_} } keys %labels;
        return $m->{value} // $m;
    }
    return undef;
}

SKIP: {
    skip "node packages: $why", 19 unless $js;

    # Background counts settle once every answer is in.
    my ($f, $settled);
    $t->wait_until(sub {
        $f = families(scrape('/metrics-allowed')->{body});
        my $h = $f->{session_guard_redis_latency_seconds}{metrics}[0];
        $settled = $h && $h->{count} == value($f,
                                  'session_guard_redis_awaited_total')
                              + value($f,
                                  'session_guard_redis_background_total');
    }, timeout => 3);
    ok($settled, 'every command sent was timed: histogram count = awaited '
       . '+ background');

    is($f->{session_guard_reasons_total}{type}, 'COUNTER',
       'reasons: a counter');
    is(value($f, 'session_guard_reasons_total', reason => 'tls_changed'),
       1, 'reasons: tls_changed once (the replay)');
    is(value($f, 'session_guard_reasons_total', reason => 'device_changed'),
       1, 'reasons: device_changed once');
    is(value($f, 'session_guard_reasons_total', reason => 'tor_ip'), 0,
       'reasons: tor_ip never');
    is(scalar @{ $f->{session_guard_reasons_total}{metrics} }, 20,
       'reasons: one series per reason');

    is(value($f, 'session_guard_events_written_total'), 2,
       'events written: the binding and the alert');
    is(value($f, 'session_guard_events_dropped_total'), 0,
       'events dropped: none');

    my $h = $f->{session_guard_redis_latency_seconds};
    is($h->{type}, 'HISTOGRAM', 'latency: a histogram');
    my $buckets = $h->{metrics}[0]{buckets};
    my @le = sort { ($a eq '+Inf' ? 9e9 : $a) <=> ($b eq '+Inf' ? 9e9 : $b) }
             keys %$buckets;
    my @counts = map { $buckets->{$_} } @le;
    is(scalar @le, 12, 'latency: twelve buckets');
    is($le[-1], '+Inf', 'latency: a +Inf bucket');
    ok(!grep({ $counts[$_] < $counts[$_ - 1] } 1 .. $#counts),
       'latency: buckets are cumulative');
    is($counts[-1], $h->{metrics}[0]{count}, 'latency: +Inf = count');
    cmp_ok($h->{metrics}[0]{count}, '>=', 4,
           'latency: the round trips of the login, the owner and the thief');
    cmp_ok($h->{metrics}[0]{sum}, '>', 0, 'latency: a sum');
    cmp_ok($h->{metrics}[0]{sum}, '<', $h->{metrics}[0]{count},
           'latency: under a second each on average');

    # Of the 6 requests with a session (4 owner's, 1 thief's, none at the
    # login), 3 were answered by the connection's cache.
    my $hits = value($f, 'session_guard_cache_hits_total');
    is($hits, 3, 'cache: three hits on the keep-alive connection');
    my $asked = value($f, 'session_guard_requests_total')
              - value($f, 'session_guard_verdicts_total', verdict => 'none');
    my $ratio = value($f, 'session_guard_cache_hit_ratio');
    ok(abs($ratio - $hits / $asked) < 1e-6,
       "cache hit ratio: $hits of $asked ($ratio)");

    # Redis down: the next alert cannot be written; counted as dropped.
    $t->redis_stop;
    $t->get('/page', @THIEF, cookie => "sid=$cookie");
    $f = families(scrape('/metrics-allowed')->{body});
    cmp_ok(value($f, 'session_guard_events_dropped_total'), '>=', 1,
           'events dropped: the one sent while Redis was down');
}

my $other = $t->get('/metrics', port => 'OTHER');
is($other->{status}, 200, 'the inheriting location serves (allowed)');
is($t->get('/metrics-basic')->{status}, 401,
   'the auth_basic location asks for a password');

$t->done(allow => qr/redis/);
