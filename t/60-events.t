# Events and their indexes over real nginx, Redis, TLS clients and generated
# MaxMind databases (session_guard_events): a login bound at issuance, the
# owner's own requests (no event), a replay of the stolen cookie from
# another TLS stack, browser and country (an alert with the evidence), a
# revocation, a first sight; the stream entry holds every field a replay
# needs, the channel publishes it, the indexes name it, every key expires,
# and the cookie's value is in no key and no value.  The JSON-lines
# access-log recipe of the README is parsed line by line as JSON.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::MMDB;
use File::Path qw(make_path);
use JSON::PP ();
use Time::HiRes qw(sleep);

my $CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
    . '(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
my $THIEF_UA = 'curl/7.88.1';

my $t = SGTest->new(module => 1, redis => 1);
make_path($t->path('mmdb'), { mode => 0755 });
my $db = SGTest::MMDB->build($t->path('mmdb'));
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms;
    # curl plays the browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_events maxlen=1000 ttl=2d;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;
    session_guard_shared_cache off;

    # The README's JSON-lines recipe, as it is there.
    log_format session_guard_json escape=json
        '{"time":"$time_iso8601","host":"$host","uri":"$uri",'
        '"status":$status,"remote_addr":"$remote_addr",'
        '"verdict":"$session_guard_verdict",'
        '"score":"$session_guard_score",'
        '"reasons":"$session_guard_reasons",'
        '"session":"$session_guard_session_id",'
        '"device":"$session_guard_device","ja4":"$session_guard_ja4",'
        '"country":"$session_guard_country","city":"$session_guard_city",'
        '"asn":"$session_guard_asn","ip_class":"$session_guard_ip_class",'
        '"user_agent":"$http_user_agent"}';

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        access_log %%PREFIX%%/guard.jsonl session_guard_json;

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
        location /login {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /revoke/ {
            session_guard_threshold tag=40 block=80;
            session_guard_on_block revoke;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    # Trust on first use: a first sight binds.
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        session_guard on;
        session_guard_session $cookie_tofu;
        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
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

# Everything published on the channel, from before the first request.
my $sub_out = $t->path('subscribed.txt');
my $sub = SGTest::_spawn(['redis-cli', '-p', $t->redis_port, '--raw',
                          'subscribe', 'sg:{ev}:live'],
                         stdout => $sub_out, stderr => $sub_out,
                         parent_death => 1);
ok($t->wait_until(sub { (-s $sub_out // 0) > 0 }, timeout => 3),
   'subscribed to the channel');

sub tag_of {
    my ($r) = @_;
    my ($v) = ($r->{body} // '') =~ /^tag=(.*)$/m;
    return { map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $v // '' };
}

my @VICTIM = (https => 1, headers => ["User-Agent: $CHROME",
                                      'Accept-Language: en-US,en;q=0.9',
                                      'X-Real-IP: 198.51.100.10']);
my @THIEF = (https => 1, tls_max => '1.2',
             ciphers => 'ECDHE-RSA-AES128-GCM-SHA256',
             headers => ["User-Agent: $THIEF_UA", 'X-Real-IP: 203.0.113.200']);

my $login = $t->get('/login?user=alice', @VICTIM);
my ($cookie) = ($login->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
ok($cookie, 'alice logged in from New York');

# The owner's own requests: ok, no event.
for (1 .. 3) {
    my $r = $t->get('/app/page', @VICTIM, cookie => "sid=$cookie");
    is(tag_of($r)->{verdict}, 'ok', "owner's request $_: ok");
}

ok($t->wait_until(sub { $R->xlen('sg:{ev}:log') == 1 }, timeout => 3),
   'one event after the login and the owner\'s requests: the binding');

# The replay, from Tokyo, with curl's TLS stack and User-Agent; a query
# string that must not reach the event.
my $replay = $t->get('/app/page?token=hunter2', @THIEF,
                     cookie => "sid=$cookie");
my $tag = tag_of($replay);
is($tag->{verdict}, 'tag', 'the replay is tagged (block=off)');
my $sid = $tag->{session};
like($sid, qr/^[0-9a-f]{16}$/, 'the tag header names the short session id');

ok($t->wait_until(sub { $R->xlen('sg:{ev}:log') == 2 }, timeout => 3),
   'the replay is the second event');

my %ev;
my $entries = $R->xrange('sg:{ev}:log', '-', '+');
for my $e (@$entries) {
    my %f = @{ $e->[1] };
    $ev{$f{kind}} = { %f, id => $e->[0] };
}

my $b = $ev{bind};
ok($b, 'a binding event');
is($b->{sid}, $sid, 'binding: the session id');
is($b->{user}, 'alice', 'binding: the user');
is($b->{verdict}, 'new', 'binding: verdict new');
is($b->{ip}, '198.51.100.10', 'binding: the address');
is($b->{cc}, 'US', 'binding: the country');
is($b->{city}, 'New York', 'binding: the city');
is($b->{path}, '/login', 'binding: the path, without the query');

my $a = $ev{alert};
ok($a, 'an alert event');
is($a->{sid}, $sid, 'alert: the session id of the tag header');
is($a->{user}, 'alice', 'alert: the user the session was bound to');
is($a->{verdict}, 'tag', 'alert: the verdict');
is($a->{score}, $tag->{score}, 'alert: the score of the tag header');
is($a->{reasons}, $tag->{reasons}, 'alert: the reasons of the tag header');
my %reason = map { $_ => 1 } split /,/, $a->{reasons};
ok($reason{$_}, "alert: $_") for qw(tls_changed device_changed
                                     country_changed asn_changed
                                     impossible_travel);
like($a->{ev}, qr/\bdevice_changed: [a-z_,]*family/,
     'evidence: the device parts that changed');
like($a->{ev}, qr/\bcountry_changed: US->JP\b/,
     'evidence: the country, from and to');
like($a->{ev}, qr/\basn_changed: AS64496->AS65536\b/,
     'evidence: the network, from and to');
like($a->{ev}, qr/\bimpossible_travel: US->JP at (\d+) km\/h/,
     'evidence: the speed');
my ($speed) = $a->{ev} =~ /impossible_travel: US->JP at (\d+) km\/h/;
# New York to Tokyo is about 10,850 km, less the accuracy radii, in the
# few seconds between the requests: far above any airliner.
cmp_ok($speed // 0, '>', 100_000, 'evidence: the speed is absurd');
is($a->{ip}, '203.0.113.200', 'alert: the address');
is($a->{net}, '203.0.113.0/24', 'alert: the network');
is($a->{cc}, 'JP', 'alert: the country');
is($a->{city}, 'Tokyo', 'alert: the city');
is($a->{asn}, '65536', 'alert: the ASN');
is($a->{org}, 'SG Test Japan Cable', 'alert: the organisation');
is($a->{class}, 'residential', 'alert: the address class (Cable/DSL)');
like($a->{ja4}, qr/^t12d\d{4}[a-z0-9]{2}_[0-9a-f]{12}_[0-9a-f]{12}$/,
     'alert: a TLS 1.2 JA4');
isnt($a->{ja4}, $b->{ja4}, 'alert: another JA4 than the binding\'s');
like($a->{dev}, qr/^[0-9a-f]+$/, 'alert: the device hash');
is($a->{ua}, $THIEF_UA, 'alert: the User-Agent');
is($a->{host}, 'localhost', 'alert: the host');
is($a->{path}, '/app/page', 'alert: the path, without the query');
like($a->{t}, qr/^\d{10}$/, 'alert: the time, unix seconds');
cmp_ok(abs($a->{t} - time), '<', 60, 'alert: the time is now');

# The JSON-lines recipe: each line is JSON and says what the event says.
my @lines = grep { length } split /\n/, $t->read_file('guard.jsonl') // '';
my @json = map { eval { JSON::PP::decode_json($_) } } @lines;
is(scalar @json, scalar @lines, 'every access-log line parses as JSON')
    or diag explain \@lines;
my ($logged) = grep { $_->{verdict} eq 'tag' } @json;
ok($logged, 'the replay is in the JSON log');
is($logged->{session}, $sid, 'JSON log: the session id');
is($logged->{reasons}, $a->{reasons}, 'JSON log: the reasons');
is($logged->{ja4}, $a->{ja4}, 'JSON log: the JA4 of the event');
is($logged->{device}, $a->{dev}, 'JSON log: the device of the event');
is($logged->{country}, 'JP', 'JSON log: the country');
is($logged->{user_agent}, $THIEF_UA, 'JSON log: the User-Agent');

# The indexes.
my @at = $R->zrange('sg:{ev}:at', 0, -1);
is_deeply(\@at, [$a->{id}], 'alerts by time: the alert');
is($R->zscore('sg:{ev}:as', $a->{id}), $a->{score},
   'alerts by score: scored by its score');
ok(defined $R->zscore('sg:{ev}:u:alice', $sid), "alice's sessions: this one");
my $bound = JSON::PP::decode_json($R->get("sg:{ev}:b:$sid") // '{}');
is($bound->{kind}, 'bind', 'the binding of the session is kept');
is($bound->{id}, $b->{id}, '... as the stream entry');
is_deeply([$R->lrange("sg:{ev}:s:$sid", 0, -1)], [$b->{id}, $a->{id}],
          'the session\'s timeline: its two events');
ok($t->wait_until(sub {
       defined $R->zscore('sg:{farm}:ip', '203.0.113.200') }, timeout => 3),
   'farm index: the replay\'s address');
is($R->zscore('sg:{farm}:ip', '198.51.100.10'), 1,
   'farm index: the login\'s address, one user');
ok(defined $R->zscore('sg:{tls}:ja4', $a->{ja4}), 'TLS index: the JA4');
my %counts = @{ $R->hgetall('sg:{ev}:c:' . int(time / 86400)) };
my ($slot_tag) = grep { /:v:tag$/ } keys %counts;
is($counts{$slot_tag // ''}, 1, 'counts: one tag this slot');

# The channel carried both, as JSON.
ok($t->wait_until(sub { ($t->read_file('subscribed.txt') // '')
                        =~ /"kind":"alert"/ }, timeout => 3),
   'the channel published the alert');
my @pub = map { eval { JSON::PP::decode_json($_) } // () }
          grep { /^\{/ } split /\n/, $t->read_file('subscribed.txt');
my ($pa) = grep { $_->{kind} eq 'alert' } @pub;
is($pa->{id}, $a->{id}, 'published: the stream entry\'s id');
is($pa->{reasons}, $a->{reasons}, 'published: the reasons');
kill 'TERM', $sub;

# A revocation: the thief on a location that revokes.
my $rv = $t->get('/revoke/x', @THIEF, cookie => "sid=$cookie");
is($rv->{status}, 403, 'the thief is blocked and the session revoked');
ok($t->wait_until(sub {
       grep { my %f = @{ $_->[1] }; $f{kind} eq 'revoke' }
       @{ $R->xrange('sg:{ev}:log', '-', '+') } }, timeout => 3),
   'a revocation event');

# A first sight, trusting first use.
my $tofu = $t->get('/x', cookie => 'tofu=first-use-cookie-value-12345');
ok($t->wait_until(sub {
       grep { my %f = @{ $_->[1] }; $f{kind} eq 'first' }
       @{ $R->xrange('sg:{ev}:log', '-', '+') } }, timeout => 3),
   'a first-sight event');

# A made-up cookie (never issued): its alert is in the stream, but it
# makes no key of its own and counts in no index.
my $fake = $t->get('/app/fake', https => 1, cookie => 'sid=made-up-value-1',
                   headers => ["User-Agent: $THIEF_UA",
                               'X-Real-IP: 203.0.113.210']);
my $ftag = tag_of($fake);
like($ftag->{reasons} // '', qr/binding_expired/,
     'a made-up cookie: binding_expired');
ok($t->wait_until(sub {
       grep { my %f = @{ $_->[1] }; ($f{path} // '') eq '/app/fake' }
       @{ $R->xrange('sg:{ev}:log', '-', '+') } }, timeout => 3),
   'a made-up cookie: its alert is in the stream');
sleep 0.2;
is($R->exists("sg:{ev}:s:$ftag->{session}"), 0,
   'a made-up cookie: no timeline key');
is($R->exists("sg:{ev}:b:$ftag->{session}"), 0,
   'a made-up cookie: no binding key');
ok(!defined $R->zscore('sg:{farm}:ip', '203.0.113.210'),
   'a made-up cookie: not counted for its address');
is($R->exists('sg:{farm}:u:203.0.113.210'), 0,
   'a made-up cookie: no HyperLogLog for its address');

# A User-Agent with bytes outside ASCII and too long: cleaned, cut.
my $long = "Mozilla/5.0 \xc3\xa9" . ('x' x 400);
$t->get('/app/long', https => 1, cookie => "sid=$cookie",
        headers => ["User-Agent: $long", 'X-Real-IP: 203.0.113.201']);
ok($t->wait_until(sub {
       grep { my %f = @{ $_->[1] }; ($f{path} // '') eq '/app/long' }
       @{ $R->xrange('sg:{ev}:log', '-', '+') } }, timeout => 3),
   'an event with a long User-Agent');
my ($le) = grep { $_->{path} eq '/app/long' }
           map { +{ @{ $_->[1] } } } @{ $R->xrange('sg:{ev}:log', '-', '+') };
is(length $le->{ua}, 200, 'the User-Agent is cut at 200 bytes');
like($le->{ua}, qr/^Mozilla\/5\.0 \?\?x+$/, 'bytes outside ASCII become ?');

# Nothing raw anywhere, and everything expires.
my (@keys, $cursor) = ();
$cursor = 0;
do {
    my ($next, $batch) = $R->scan($cursor, 'COUNT', 1000);
    push @keys, @$batch;
    $cursor = $next;
} while ($cursor);
my @ev_keys = grep { /^sg:\{(?:ev|farm|tls)\}/ } @keys;
cmp_ok(scalar @ev_keys, '>=', 10, 'the events wrote their keys');
my @raw;
for my $k (@keys) {
    push @raw, "name $k" if index($k, $cookie) >= 0
                            || index($k, 'first-use-cookie') >= 0;
    my $type = $R->type($k);
    my $dump = $type eq 'string' ? $R->get($k)
             : $type eq 'hash'   ? join("\n", @{ $R->hgetall($k) })
             : $type eq 'zset'   ? join("\n", $R->zrange($k, 0, -1))
             : $type eq 'list'   ? join("\n", $R->lrange($k, 0, -1))
             : $type eq 'stream' ? join("\n", map { @{ $_->[1] } }
                                              @{ $R->xrange($k, '-', '+') })
             : '';
    push @raw, "value of $k" if index($dump, $cookie) >= 0
                                || index($dump, 'first-use-cookie') >= 0
                                || index($dump, 'hunter2') >= 0;
}
is_deeply(\@raw, [], 'the cookie (and the query string) in no key or value');
my @forever = grep { $R->ttl($_) < 0 } @keys;
is_deeply(\@forever, [], 'every key expires');
my $ttl = $R->ttl('sg:{ev}:log');
ok($ttl > 86400 && $ttl <= 2 * 86400, 'the stream lives ttl=2d');

# Directives: bad values fail nginx -t with the value named.
for my $bad ('maxlen=10', 'ttl=5s', 'session_maxlen=0', 'bogus=1') {
    my $t2 = SGTest->new(module => 1);
    $t2->write_file('secret', "0123456789abcdef0123456789abcdef\n");
    $t2->write_config(<<"CONF");
    session_guard_redis 127.0.0.1:1;
    # curl plays the browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_events $bad;
CONF
    my ($ok, $out) = $t2->nginx_t;
    ok(!$ok, "session_guard_events $bad is refused");
    like($out, qr/invalid parameter "\Q$bad\E" in "session_guard_events"/,
         "... naming the value");
}

$t->done;
