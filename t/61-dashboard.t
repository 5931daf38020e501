# The dashboard's JSON API over real nginx, Redis, TLS clients and
# generated MaxMind databases, after a scripted attack: a laptop farm (four
# users logging in from one home address), alice's session replayed from
# another TLS stack, browser and country, and bob's from a VPN.  Each
# endpoint's content is checked against what the attack did; filters,
# paging and bad parameters; the page itself; Redis down and Redis slow
# (the worker keeps serving while a query waits); the start-up warning for
# a dashboard without an access rule; no cookie in any answer.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::MMDB;
use File::Path qw(make_path);
use JSON::PP ();
use Time::HiRes qw(time sleep);

my $CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
    . '(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

my $t = SGTest->new(module => 1, redis => 1,
                    redis_args => ['--enable-debug-command', 'yes']);
make_path($t->path('mmdb'), { mode => 0755 });
my $db = SGTest::MMDB->build($t->path('mmdb'));
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('static.txt', "static\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms;
    # curl plays the browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_events;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;
    session_guard_shared_cache off;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_cache off;
        session_guard_threshold tag=40 block=off;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;

        location /guard/ {
            allow 127.0.0.1;
            deny all;
            session_guard_dashboard;
        }
        location /open/ {                          # UNPROTECTED
            session_guard_dashboard;
        }
        location = /static.txt {
            root %%PREFIX%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location /login {
            add_header Set-Cookie "sid=$request_id; Path=/";
            add_header X-App-User $arg_user;
            return 200 "welcome\n";
        }
        location / {
            return 200 "tag=$http_x_session_guard\n";
        }
    }
CONF
$t->start;

my $R = $t->redis;

like($t->error_log,
     qr/\[warn\].*"session_guard_dashboard" in \S+:\d+: the location has no access rule/,
     'the unprotected dashboard location is warned about');
my @w = $t->error_log =~ /"session_guard_dashboard" in \S+:(\d+)/g;
is(scalar @w, 1, '... and only that one');

sub from {
    my ($ip, @o) = @_;
    return (https => 1, headers => ["User-Agent: $CHROME",
                                    'Accept-Language: en-US', "X-Real-IP: $ip"],
            @o);
}
my @THIEF_TLS = (tls_max => '1.2', ciphers => 'ECDHE-RSA-AES128-GCM-SHA256');

sub login {
    my ($user, $ip) = @_;
    my $r = $t->get("/login?user=$user", from($ip));
    my ($c) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
    return $c;
}

sub short_of {
    my ($r) = @_;
    my ($s) = ($r->{body} // '') =~ /session=([0-9a-f]{16})/;
    return $s;
}

# The farm: four employees from one New York home address.
my %cookie;
$cookie{$_} = login($_, '198.51.100.15') for qw(erin frank grace heidi);
# alice and bob at home.
$cookie{alice} = login('alice', '198.51.100.40');
$cookie{bob} = login('bob', '198.51.100.41');
is(scalar(grep { $_ } values %cookie), 6, 'six logins');

# Their own requests: ok.
my $own = $t->get('/app', from('198.51.100.40'), cookie => "sid=$cookie{alice}");
like($own->{body}, qr/verdict=ok/, 'alice at home: ok');
my $alice = short_of($own);

# alice's cookie replayed from Tokyo with curl's TLS and User-Agent.
my $replay = $t->get('/app/secret?x=1', https => 1, @THIEF_TLS,
                     cookie => "sid=$cookie{alice}",
                     headers => ['User-Agent: curl/7.88.1',
                                 'X-Real-IP: 203.0.113.200']);
like($replay->{body}, qr/verdict=tag/, "alice's cookie from Tokyo: tagged")
    or diag $replay->{body};
sleep 0.05;
# bob's from a VPN exit with his own browser: a lower score.
my $vpn = $t->get('/app', from('192.0.2.70'), cookie => "sid=$cookie{bob}");
like($vpn->{body}, qr/verdict=(tag|ok)/, "bob's from a VPN");
my $bob = short_of($vpn);
my ($bob_verdict) = $vpn->{body} =~ /verdict=(\w+)/;

ok($t->wait_until(sub { $R->zcard('sg:{ev}:at') >= 1 }, timeout => 3),
   'alerts indexed');
sleep 0.2;

sub api {
    my ($path) = @_;
    my $r = $t->get("/guard/api/$path");
    my $j = eval { JSON::PP::decode_json($r->{body}) };
    diag "not JSON: $r->{body}" unless $j;
    return wantarray ? ($j, $r) : $j;
}

my @answers;

# summary
my ($s, $sr) = api('summary');
push @answers, $sr->{body};
is($sr->{status}, 200, 'summary: 200');
like($sr->{headers}{'content-type'}, qr{^application/json; charset=utf-8$},
     'summary: JSON, utf-8');
is($sr->{headers}{'cache-control'}, 'no-store', 'summary: not cached');
my $tags = $bob_verdict eq 'tag' ? 2 : 1;
for my $win (qw(hour day week)) {
    is($s->{windows}{$win}{kinds}{bind}, 6, "summary $win: six bindings");
    is($s->{windows}{$win}{verdicts}{tag}, $tags, "summary $win: tags");
    is($s->{windows}{$win}{reasons}{impossible_travel}, 1,
       "summary $win: one impossible_travel");
}
is(scalar @{ $s->{series} }, 24, 'summary: 24 hourly points');
is($s->{series}[0]{tag}, $tags, 'summary: this hour\'s tags in the chart');
is($s->{series}[0]{bind}, 6, 'summary: this hour\'s bindings in the chart');

# alerts
my ($al, $ar) = api('alerts');
push @answers, $ar->{body};
my @alerts = @{ $al->{alerts} };
is(scalar @alerts, $tags, 'alerts: every tagged request');
my ($a0) = grep { $_->{sid} eq $alice } @alerts;
ok($a0, "alerts: alice's session");
is($a0->{user}, 'alice', 'alerts: the user');
is($a0->{cc}, 'JP', 'alerts: the country');
is($a0->{city}, 'Tokyo', 'alerts: the city');
is($a0->{path}, '/app/secret', 'alerts: the path without the query');
like($a0->{ev}, qr/impossible_travel: US->JP at \d+ km\/h/,
     'alerts: the evidence');
if ($tags == 2) {
    is($alerts[0]{sid}, $bob, 'alerts: newest first (bob after alice)');
}

sub n_alerts { scalar @{ api($_[0])->{alerts} } }
is(n_alerts('alerts?reason=impossible_travel'), 1, 'filter reason: matching');
is(n_alerts('alerts?reason=tor_ip'), 0, 'filter reason: none');
is(n_alerts('alerts?user=alice'), 1, 'filter user: alice');
is(n_alerts('alerts?user=zoe'), 0, 'filter user: nobody');
is(n_alerts('alerts?ip=203.0.113.200'), 1, 'filter ip');
is(n_alerts('alerts?country=JP'), 1, 'filter country: JP');
is(n_alerts('alerts?country=SE'), 0, 'filter country: SE');
is(n_alerts('alerts?verdict=block'), 0, 'filter verdict: no block');
is(n_alerts('alerts?verdict=tag'), $tags, 'filter verdict: tag');

# A second replay of alice's, for paging.
$t->get('/app/again', https => 1, @THIEF_TLS, cookie => "sid=$cookie{alice}",
        headers => ['User-Agent: curl/7.88.1', 'X-Real-IP: 203.0.113.201']);
ok($t->wait_until(sub { $R->zcard('sg:{ev}:at') == $tags + 1 }, timeout => 3),
   'another alert');
my $p1 = api('alerts?limit=1');
is(scalar @{ $p1->{alerts} }, 1, 'paging: one alert a page');
is($p1->{alerts}[0]{path}, '/app/again', 'paging: the newest first');
ok($p1->{next}, 'paging: a cursor to the next page');
my $p2 = api("alerts?limit=1&cursor=$p1->{next}");
is(scalar @{ $p2->{alerts} }, 1, 'paging: the second page');
isnt($p2->{alerts}[0]{id}, $p1->{alerts}[0]{id}, 'paging: another alert');
my $all = api('alerts?limit=200');
is(scalar @{ $all->{alerts} }, $tags + 1, 'paging: all in one page');
my $by_score = api('alerts?sort=score');
my @scores = map { $_->{score} } @{ $by_score->{alerts} };
is_deeply(\@scores, [sort { $b <=> $a } @scores], 'sort=score: highest first');

for my $bad ('verdict=maybe', 'reason=nope', 'country=jp', 'limit=0',
             'limit=1000', 'ip=1.2.3.4%27', 'cursor=abc', 'sort=name') {
    my ($name) = $bad =~ /^(\w+)/;
    my ($j, $r) = api("alerts?$bad");
    is($r->{status}, 400, "alerts?$bad: 400");
    is($j->{error}, "invalid $name", "alerts?$bad: names the parameter");
}

# one session
my ($ss, $ssr) = api("session?sid=$alice");
push @answers, $ssr->{body};
is($ss->{sid}, $alice, 'session: its id');
is($ss->{binding}{kind}, 'bind', 'session: its binding');
is($ss->{binding}{ip}, '198.51.100.40', 'session: bound at home');
is($ss->{binding}{user}, 'alice', 'session: bound to alice');
my @kinds = map { $_->{kind} } @{ $ss->{events} };
is_deeply(\@kinds, [qw(bind alert alert)], 'session: its events in order');
my @ids = map { $_->{id} } @{ $ss->{events} };
is_deeply(\@ids, [sort { my @x = split /-/, $a; my @y = split /-/, $b;
                         $x[0] <=> $y[0] || $x[1] <=> $y[1] } @ids],
          'session: events by id');
is(scalar @{ $ss->{devices} }, 2, 'session: two devices');
is($ss->{devices}[1]{ua}, 'curl/7.88.1', 'session: the second is curl');
is($ss->{devices}[1]{events}, 2, 'session: used twice');
is(scalar @{ $ss->{places} }, 3, 'session: three places (home, two in Tokyo)');
is($ss->{places}[1]{city}, 'Tokyo', 'session: the thief\'s place');
my $none = api('session?sid=0000000000000000');
is_deeply($none->{events}, [], 'unknown session: no events');
ok(!defined $none->{binding}, 'unknown session: no binding');
my ($bs, $bsr) = api('session?sid=ABC');
is($bsr->{status}, 400, 'session: a bad id is refused');

# one user
my ($u, $ur) = api('user?user=alice');
push @answers, $ur->{body};
is($u->{user}, 'alice', 'user: alice');
is(scalar @{ $u->{sessions} }, 1, 'user: one session');
is($u->{sessions}[0]{sid}, $alice, 'user: that session');
is($u->{sessions}[0]{alerts}, 2, 'user: two alerts on it');
is(scalar @{ $u->{sessions}[0]{devices} }, 2, 'user: two devices');
is_deeply(api('user?user=zoe')->{sessions}, [], 'user: nobody');
is((api('user')->{error}), 'invalid user', 'user: the parameter is needed');

# farm candidates
my ($f, $fr) = api('farms');
push @answers, $fr->{body};
is($f->{addresses}[0]{ip}, '198.51.100.15', 'farms: the farm address first');
is($f->{addresses}[0]{users}, 4, 'farms: four users there');
my ($net) = grep { $_->{net} eq '198.51.100.0/24' } @{ $f->{networks} };
is($net->{users}, 6, 'farms: six users in the /24');

# TLS fingerprints
my ($tl, $tlr) = api('tls');
push @answers, $tlr->{body};
is($tl->{fingerprints}[0]{users}, 6, 'tls: the browser stack, six users');
like($tl->{fingerprints}[0]{ja4}, qr/^t13d/, 'tls: a TLS 1.3 JA4');
my ($curl) = grep { $_->{ja4} =~ /^t12/ } @{ $tl->{fingerprints} };
is($curl->{users}, 1, 'tls: the thief\'s stack, one user');

# Unknown query, method, the page.
my $nf = $t->get('/guard/api/nope');
is($nf->{status}, 404, 'unknown query: 404');
is($t->get('/guard/api/summary', method => 'POST', body => 'x')->{status},
   405, 'POST: 405');
my $page = $t->get('/guard/');
is($page->{status}, 200, 'the page');
is($page->{headers}{'content-type'}, 'text/html; charset=utf-8',
   'the page: HTML, utf-8');
like($page->{headers}{'content-security-policy'}, qr/default-src 'none'/,
     'the page: a strict CSP');
unlike($page->{body}, qr/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i,
       'the page: no external asset');

# Nothing raw.
my @raw = grep { my $a = $_; grep { index($a, $_) >= 0 } values %cookie }
          @answers;
is(scalar @raw, 0, 'no cookie in any answer');

# Redis slow: the worker serves others while a query waits.
my $sleeper = SGTest::_spawn(['redis-cli', '-p', $t->redis_port,
                              'DEBUG', 'SLEEP', '0.7']);
sleep 0.1;
my $out = $t->path('slow.out');
my $slow = SGTest::_spawn(['curl', '-s', '-o', $out, '-w', '%{http_code} %{time_total}',
                           'http://127.0.0.1:' . $t->port('HTTP')
                           . '/guard/api/summary'],
                          stdout => "$out.w");
sleep 0.1;
my $t0 = time;
my $st = $t->get('/static.txt');
my $took = time - $t0;
is($st->{status}, 200, 'a static file while the query waits');
cmp_ok($took, '<', 0.3, 'served at once (the worker is not blocked)');
waitpid($slow, 0);
waitpid($sleeper, 0);
my ($code, $secs) = split / /, $t->read_file('slow.out.w') // '';
is($code, 200, 'the waiting query is answered once Redis is back');
cmp_ok($secs, '>', 0.4, '... after Redis slept');

# Redis down: an answer, not a hang.
$t->redis_stop;
my $down = $t->get('/guard/api/summary');
like($down->{status}, qr/^50[234]$/, "Redis down: $down->{status}");
like($down->{body}, qr/"error":"redis/, 'Redis down: says why');
is($t->get('/guard/')->{status}, 200, 'Redis down: the page still loads');

$t->done(allow => qr/redis/);
