# The ways past the guard, each tried as a thief holding a stolen cookie
# would try it, over real nginx, Redis and TLS clients:
#   1. decoy cookies (another case, the name twice, two headers, ',', quotes)
#   2. a re-sent or rotated cookie taking over a binding, undoing a revocation
#   3. user names that made records unreadable; a client-chosen user name
#   4. switching the TLS check off (plain HTTP, oversized or over-long hellos)
#   5. satisfy any turning a block into a pass
#   6. a forged tag header where the module is off, or spelt with '_'
#   7. made-up cookies growing Redis and faking farm density; the rate limit
#   8. an accuracy radius the record could not read back
#   9. a lapsed binding re-bound by whoever comes next
# and, next to each, the benign look-alike that must stay quiet.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Time::HiRes ();
use Digest::SHA qw(hmac_sha256_hex);
use File::Path qw(make_path);
use SGTest;
use SGTest::MMDB;

my $SECRET = '0123456789abcdef0123456789abcdef';
my $CHROME = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.60 Safari/537.36';
my $FIREFOX = 'User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; '
    . 'rv:125.0) Gecko/20100101 Firefox/125.0';
my $LONG_USER = 'x' x 200;

my $t = SGTest->new(module => 1, redis => 1);
make_path($t->path('mmdb'), { mode => 0755 });
my $db = SGTest::MMDB->build($t->path('mmdb'));
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);
$t->define(LONG_USER => $LONG_USER);
$t->write_file('secret', "$SECRET\n");
# "thief:secret"
$t->write_file('htpasswd', "thief:{PLAIN}secret\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms;
    # curl and openssl play browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_new_sessions 60r/m burst=10 over=429;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        listen 127.0.0.1:%%PORT_HTTP%%;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        underscores_in_headers on;

        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_threshold tag=40 block=off;
        session_guard_cache off;
        session_guard_density sessions=5 users=3;

        proxy_set_header X-JA4 $session_guard_ja4;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /refuse/ {
            session_guard_session cookie=sid duplicates=refuse;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /block/ {
            session_guard_threshold tag=40 block=80;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /revoke/ {
            session_guard_threshold tag=40 block=80;
            session_guard_on_block revoke;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /any/ {
            satisfy any;
            allow all;
            session_guard_threshold tag=40 block=80;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /any-basic/ {
            satisfy any;
            auth_basic "app";
            auth_basic_user_file %%PREFIX%%/htpasswd;
            deny all;
            session_guard_threshold tag=40 block=80;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /remote-user/ {
            session_guard_user $remote_user;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        # Tag headers under other names: one longer than 63 bytes, one
        # of a length no other header here has.
        location /long-name/ {
            session_guard_header X-Session-Guard-Verdict-For-The-Application-Behind-This-Proxy-Server;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /short-name/ {
            session_guard_header X-SG;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        # A custom block page, and an error_page that sends a blocked
        # request on to a named location that is guarded too.
        location /ep-page/ {
            session_guard_threshold tag=40 block=80;
            error_page 403 /blocked.html;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location = /blocked.html {
            session_guard off;
            return 403 "blocked by session_guard\n";
        }
        location /ep-named/ {
            session_guard_threshold tag=40 block=80;
            error_page 403 = @app;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location @app {
            session_guard_threshold tag=40 block=80;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /unguarded/ {
            session_guard off;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        underscores_in_headers on;

        location /login {
            add_header Set-Cookie
                "sid=$request_id; Path=/; Domain=localhost; Secure; HttpOnly";
            add_header X-App-User $arg_user;
            return 200 "welcome\n";
        }
        location /login-utf8 {
            add_header Set-Cookie "sid=$request_id; Path=/";
            add_header X-App-User "Jürgen Müller";
            return 200 "welcome\n";
        }
        location /login-long {
            add_header Set-Cookie "sid=$request_id; Path=/";
            add_header X-App-User "%%LONG_USER%%";
            return 200 "welcome\n";
        }
        location /login-nouser {
            add_header Set-Cookie "sid=$request_id; Path=/";
            return 200 "welcome\n";
        }
        # An app with rolling sessions: the cookie goes back on every answer.
        location /roll/ {
            add_header Set-Cookie "sid=$cookie_sid; Path=/; Max-Age=3600";
            return 200 "tag=$http_x_session_guard\n";
        }
        # An app that rotates the session id on this page.
        location /rotate/ {
            add_header Set-Cookie "sid=$request_id; Path=/";
            return 200 "tag=$http_x_session_guard\n";
        }
        location /long-name/ {
            return 200 "tag=$http_x_session_guard_verdict_for_the_application_behind_this_proxy_server\nstd=$http_x_session_guard\n";
        }
        location /short-name/ {
            return 200 "tag=$http_x_sg\nstd=$http_x_session_guard\n";
        }
        location /unguarded/ {
            return 200 "tag=$http_x_session_guard\nlong=$http_x_session_guard_verdict_for_the_application_behind_this_proxy_server\nsg=$http_x_sg\n";
        }
        location / {
            return 200 "tag=$http_x_session_guard\nja4=$http_x_ja4\n";
        }
    }
CONF
$t->start;

sub tag_of {
    my ($r) = @_;
    return {} unless $r->{status} == 200 && $r->{body} =~ /^tag=(.*)$/m;
    my %f = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $1;
    $f{reason} = { map { $_ => 1 } split /,/, ($f{reasons} // '') };
    return \%f;
}

# Clients, each from an address of its own (realip), so that rate limits
# and density counts of one check do not leak into the next.
sub victim { my ($ip) = @_; (https => 1, headers => [$CHROME, "X-Real-IP: $ip"]) }
sub thief {
    my ($ip, @h) = @_;
    (https => 1, tls_max => '1.2',
     ciphers => 'ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256',
     headers => [$FIREFOX, "X-Real-IP: $ip", @h]);
}

sub login {
    my ($ip, $path) = @_;
    my $r = $t->get($path // '/login?user=alice', victim($ip));
    my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=([0-9a-f]+)/;
    ok($sid, "logged in from $ip");
    return $sid;
}

sub record_key {
    my ($sid) = @_;
    return 'sg:{' . substr(hmac_sha256_hex($sid, $SECRET), 0, 32) . '}:s';
}

sub record { my %h = $t->redis_cmd('HGETALL', record_key($_[0])); return \%h }

# ---------------------------------------------------------------- 1. decoys

my $sid = login('100.64.1.1');
my $v = tag_of($t->get('/', victim('100.64.1.1'), cookie => "sid=$sid"));
is($v->{verdict}, 'ok', 'decoys: the victim alone is ok');

# Benign look-alikes: other cookies around it, a name that contains it,
# the same value twice.
$v = tag_of($t->get('/', victim('100.64.1.1'),
                    cookie => "sidebar=1; sid=$sid; theme=dark; xsid=2"));
is($v->{verdict}, 'ok', 'other cookies with similar names: ok');
$v = tag_of($t->get('/', victim('100.64.1.1'), cookie => "sid=$sid; sid=$sid"));
is($v->{verdict}, 'ok', 'the same value twice is one session: ok');

for my $case (["SID=decoy; sid=$sid", 'another case first'],
              ["sid=decoy; sid=$sid", 'the name twice, stolen last'],
              ["theme=dark, sid=$sid", 'after a comma'],
              ["sid=\"$sid\"", 'quoted'],
              ["sid=%" . join('%', unpack('(A2)*', unpack('H*', $sid))),
               'percent-encoded']) {
    my ($cookie, $what) = @$case;
    $v = tag_of($t->get('/', thief('100.64.1.2'), cookie => $cookie));
    is($v->{verdict}, 'tag', "decoy ($what): the stolen value is judged");
    ok($v->{reason}{tls_changed} && $v->{reason}{device_changed},
       "decoy ($what): against the victim's binding");
    is($v->{session}, substr(hmac_sha256_hex($sid, $SECRET), 0, 16),
       "decoy ($what): the verdict is about the stolen session");
}

# Two Cookie headers over HTTP/2.
$v = tag_of($t->get('/', thief('100.64.1.2'), http2 => 1,
                    curl_args => ['-H', 'Cookie: sid=decoy',
                                  '-H', "Cookie: sid=$sid"]));
is($v->{verdict}, 'tag', 'HTTP/2, two cookie headers: the stolen value is judged');

# A location that refuses duplicates outright; more than four values are
# refused everywhere.
my $r = $t->get('/refuse/x', thief('100.64.1.2'), cookie => "SID=decoy; sid=$sid");
is($r->{status}, 400, 'duplicates=refuse: 400');
$r = $t->get('/refuse/x', victim('100.64.1.1'), cookie => "sid=$sid");
is($r->{status}, 200, 'duplicates=refuse: a single value passes');
$r = $t->get('/', thief('100.64.1.2'),
             cookie => join('; ', map { "sid=v$_" } 1 .. 5));
is($r->{status}, 400, 'five values: refused');

# ------------------------------------------------ 2. re-sent and rotated cookies

$sid = login('100.64.2.1');
my $bound = record($sid);
$v = tag_of($t->get('/roll/', victim('100.64.2.1'), cookie => "sid=$sid"));
is($v->{verdict}, 'ok', 'rolling session: the victim is ok');
$v = tag_of($t->get('/roll/', thief('100.64.2.2'), cookie => "sid=$sid"));
is($v->{verdict}, 'tag', 'rolling session: the thief is tagged, and the app re-sends the cookie');
sleep 1;    # the binding is written without waiting: give it time to land
is(record($sid)->{dev}, $bound->{dev}, 'the re-sent cookie did not rebind the session');
is(record($sid)->{tls}, $bound->{tls}, '... nor its TLS signature');
$v = tag_of($t->get('/roll/', thief('100.64.2.2'), cookie => "sid=$sid"));
ok($v->{reason}{tls_changed}, 'the thief stays foreign');
$v = tag_of($t->get('/roll/', victim('100.64.2.1'), cookie => "sid=$sid"));
ok(!$v->{reason}{tls_changed} && !$v->{reason}{device_changed},
   'the victim stays the bound device');

# A revocation's tombstone survives the cookie being re-sent.
$r = $t->get('/revoke/x', thief('100.64.2.2'), cookie => "sid=$sid");
is($r->{status}, 403, 'revoke: the thief is refused');
like($r->{headers}{'set-cookie'},
     qr/^sid=; Max-Age=0; Path=\/; Domain=localhost; Secure; Expires=Thu, 01 Jan 1970/,
     'revoke: the cookie is expired with the Path and Domain it was issued with');
$t->wait_until(sub { record($sid)->{rv} }, timeout => 3);
$v = tag_of($t->get('/roll/', victim('100.64.2.1'), cookie => "sid=$sid"));
is($v->{reasons}, 'revoked', 'revoked, where blocking is off: tagged');
sleep 1;
is(record($sid)->{rv}, '1', 'the re-sent cookie did not undo the revocation');
$v = tag_of($t->get('/roll/', thief('100.64.2.2'), cookie => "sid=$sid"));
is($v->{reasons}, 'revoked', 'and it stays revoked');

# A session id rotated for a suspicious request does not come out clean.
$sid = login('100.64.2.3');
$r = $t->get('/rotate/', thief('100.64.2.4'), cookie => "sid=$sid");
is(tag_of($r)->{verdict}, 'tag', 'rotation: the thief is tagged');
my ($rotated) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=([0-9a-f]+)/;
ok($rotated, 'the app rotated the session id');
$v = tag_of($t->get('/', thief('100.64.2.4'), cookie => "sid=$rotated"));
is($v->{verdict}, 'tag', 'the rotated session is not bound to the thief');
ok($v->{reason}{binding_expired}, '... it carries binding_expired');
# The owner's rotation binds as usual.
$r = $t->get('/rotate/', victim('100.64.2.3'), cookie => "sid=$sid");
($rotated) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=([0-9a-f]+)/;
sleep 1;
$v = tag_of($t->get('/', victim('100.64.2.3'), cookie => "sid=$rotated"));
is($v->{verdict}, 'ok', "the owner's rotated session is bound to the owner");

# --------------------------------------------------------------- 3. users

for my $case (['/login-utf8', 'Jürgen Müller', 'J%c3%bcrgen%20M%c3%bcller'],
              ['/login-long', '200 bytes', undef]) {
    my ($path, $what, $stored) = @$case;
    $sid = login('100.64.3.1', $path);
    for my $n (1 .. 2) {
        $v = tag_of($t->get('/', victim('100.64.3.1'), cookie => "sid=$sid"));
        is($v->{verdict}, 'ok', "user $what: request $n judged ok, not error");
    }
    my $u = record($sid)->{u};
    if (defined $stored) {
        is($u, $stored, "user $what: stored escaped");
    } else {
        like($u, qr/^x{79}~[0-9a-f]{16}$/, "user $what: stored cut, with a hash");
    }
}

# A user name the client chooses ($remote_user) cannot be put on a session.
$sid = login('100.64.3.2', '/login-nouser');
$v = tag_of($t->get('/remote-user/', thief('100.64.3.3'), cookie => "sid=$sid",
                    curl_args => ['-u', 'mallory:x']));
is($v->{verdict}, 'tag', 'client-chosen user: the thief is tagged');
sleep 1;
is(record($sid)->{u} // '', '', 'client-chosen user: not recorded on the session');

# --------------------------------------------------------- 4. TLS switched off

$sid = login('100.64.4.1');
$v = tag_of($t->get('/', headers => [$CHROME, 'X-Real-IP: 100.64.4.2'],
                    cookie => "sid=$sid"));
is($v->{verdict}, 'tag', "plain HTTP with the victim's headers: tagged");
# The bound device was active a moment ago, and a request without its hello
# is not the bound device: concurrent use, as with another TLS stack.
is($v->{reasons}, 'concurrent_use,tls_missing', 'reason tls_missing');
is($v->{score}, 40 + 60, 'weighted like tls_changed');

my $big = 'build/t/big-hello';
SKIP: {
    skip "$big not built (make helpers)", 8 unless -x $big;
    my $port = $t->port('HTTPS');
    my $hello = sub {
        my ($args, $path, @h) = @_;
        my ($st, $out) = $t->run_cmd([$big, @$args,
            (map { ('-H', $_) } $CHROME, 'X-Real-IP: 100.64.4.3', @h),
            '127.0.0.1', $port, $path], timeout => 10);
        return $out;
    };
    my $out = $hello->([], '/login?user=alice');
    my ($bsid) = $out =~ /^Set-Cookie: sid=([0-9a-f]+)/mi;
    ok($bsid, 'big-hello: logged in with an ordinary hello');
    $out = $hello->([], '/', "Cookie: sid=$bsid");
    like($out, qr/verdict=ok/, 'big-hello: same client, same hello: ok');

    # More extensions than the parser keeps, and a hello over 16 KiB: both
    # are fingerprinted from what fits, and differ from the bound stack.
    for my $case ([['-n', 80], 'eighty extensions'],
                  [['-n', 1, '-s', 17000], 'a 17 KiB hello']) {
        my ($args, $what) = @$case;
        $out = $hello->($args, '/', "Cookie: sid=$bsid");
        like($out, qr/verdict=tag/, "$what: tagged, not ok");
        like($out, qr/reasons=[a-z_,]*tls_changed/, "$what: tls_changed");
        like($out, qr/^ja4=t1[23][di]\d{4}00_/m, "$what: still fingerprinted (JA4)");
    }
}

# ---------------------------------------------------------- 5. satisfy any

$sid = login('100.64.5.1');
$r = $t->get('/any/x', victim('100.64.5.1'), cookie => "sid=$sid");
is($r->{status}, 200, 'satisfy any: the victim passes');
$r = $t->get('/any/x', thief('100.64.5.2'), cookie => "sid=$sid");
is($r->{status}, 403, 'satisfy any, allow all: the thief is still blocked');
unlike($r->{body}, qr/verdict=block/, 'nothing reached the upstream');
$r = $t->get('/any-basic/x', thief('100.64.5.2'), cookie => "sid=$sid",
             curl_args => ['-u', 'thief:secret']);
is($r->{status}, 403, 'satisfy any, valid basic auth: the thief is still blocked');
$r = $t->get('/any-basic/x', victim('100.64.5.1'), cookie => "sid=$sid",
             curl_args => ['-u', 'thief:secret']);
is($r->{status}, 200, 'satisfy any, valid basic auth: the victim passes');

# Internal redirects: a custom block page is served; an error_page that
# sends the blocked request to a guarded named location does not unblock it.
$r = $t->get('/ep-page/x', thief('100.64.5.2'), cookie => "sid=$sid");
is($r->{status}, 403, 'error_page: blocked');
like($r->{body}, qr/blocked by session_guard/, 'error_page: the custom block page');
$r = $t->get('/ep-named/x', thief('100.64.5.2'), cookie => "sid=$sid");
is($r->{status}, 403, 'error_page = @app (guarded): still blocked');
unlike($r->{body}, qr/verdict=/, 'error_page = @app: nothing reached the upstream');

# ------------------------------------------------------- 6. forged tag header

for my $name ('X-Session-Guard', 'X_Session_Guard', 'x-session-guard') {
    $r = $t->get('/unguarded/x', victim('100.64.6.1'),
                 curl_args => ['-H', "$name: verdict=ok; forged=1"]);
    is($r->{body} =~ /^tag=(.*)$/m ? $1 : undef, '',
       "$name where the module is off: removed before the upstream");
    $r = $t->get('/', victim('100.64.6.1'),
                 curl_args => ['-H', "$name: verdict=ok; forged=1"]);
    like($r->{body}, qr/^tag=verdict=none; score=0; reasons=$/m,
         "$name where the module is on: only the module's own header");
}

# Every name a location uses is stripped, whatever its length, in any
# location of the server; the module's own header is the one that arrives.
for my $c (['/long-name/x', 'X-Session-Guard-Verdict-For-The-Application-Behind-This-Proxy-Server'], ['/short-name/x', 'X-SG']) {
    my ($path, $hname) = @$c;
    (my $under = $hname) =~ tr/-/_/;
    for my $name ($hname, lc $hname, $under) {
        $r = $t->get($path, victim('100.64.6.2'),
                     curl_args => ['-H', "$name: verdict=ok; forged=1"]);
        like($r->{body}, qr/^tag=verdict=none; score=0; reasons=$/m,
             "$path: forged $name replaced by the module's own");
        $r = $t->get('/unguarded/x', victim('100.64.6.2'),
                     curl_args => ['-H', "$name: verdict=ok; forged=1"]);
        unlike($r->{body}, qr/forged/,
               "$name where the module is off: removed too");
    }
}

# ------------------------------------------------------- 7. made-up cookies

my @made_up = map { "made-up-$_" } 1 .. 8;
for my $c (@made_up) {
    $v = tag_of($t->get('/', victim('198.51.100.20'), cookie => "sid=$c"));
    is($v->{verdict}, 'tag', "made-up cookie $c: tagged binding_expired")
        if $c eq $made_up[0];
}
my $ttl = $t->redis_cmd('TTL', record_key($made_up[0]));
ok($ttl > 0 && $ttl <= 900, "a made-up cookie's record lives at most 15 minutes ($ttl s)");
$sid = login('198.51.100.20');
$v = tag_of($t->get('/', victim('198.51.100.20'), cookie => "sid=$sid"));
is($v->{verdict}, 'ok', 'made-up cookies do not count as sessions of the address');
ok(!$v->{reason}{farm_density}, '... so the real user there gets no farm_density');

# Real sessions still count: six users' logins behind one home address.
for my $n (1 .. 5) {
    login('198.51.100.21');
}
$sid = login('198.51.100.21');
$v = tag_of($t->get('/', victim('198.51.100.21'), cookie => "sid=$sid"));
ok($v->{reason}{farm_density}, 'six real sessions at one address: farm_density');

# New sessions per address are rate-limited: burst 10, then 429.  The rate
# (60r/m) gives one more first sight for every whole second the 14
# requests take, which a loaded machine can stretch past one.
my $t0 = Time::HiRes::time();
my @status = map {
    $t->get('/', victim('100.64.7.1'), cookie => "sid=flood-$_")->{status}
} 1 .. 14;
my $took = Time::HiRes::time() - $t0;
my $passed = grep { $_ == 200 } @status;
ok($passed >= 11 && $passed <= 11 + int($took),
   "rate limit: eleven first sights pass, and one a second after ($passed in "
   . sprintf('%.1f', $took) . ' s)');
is(scalar(grep { $_ == 429 } @status), 14 - $passed, 'rate limit: then 429');
my ($refused) = grep { $status[$_ - 1] == 429 } reverse 1 .. 14;
ok(defined $refused && !$t->redis_cmd('EXISTS', record_key("flood-$refused")),
   'nothing recorded past the limit');
$r = $t->get('/', victim('100.64.7.2'), cookie => 'sid=flood-other');
is($r->{status}, 200, 'rate limit: another address is not affected');
$sid = login('100.64.7.1');
$v = tag_of($t->get('/', victim('100.64.7.1'), cookie => "sid=$sid"));
is($v->{verdict}, 'ok', 'rate limit: a session issued there is not a first sight');

# --------------------------------------------------- 9. lapsed bindings

$sid = login('100.64.9.1');
$t->redis_cmd('DEL', record_key($sid));    # as if its TTL had run out
$v = tag_of($t->get('/', thief('100.64.9.2'), cookie => "sid=$sid"));
is($v->{verdict}, 'tag', 'lapsed binding: the next holder is not "new"');
ok($v->{reason}{binding_expired}, 'reason binding_expired');
$v = tag_of($t->get('/', thief('100.64.9.2'), cookie => "sid=$sid"));
ok($v->{reason}{binding_expired}, '... on every request of the session');

$t->stop;
$t->check_error_log;

# ------------------------------------------- 8. the largest accuracy radius

# A database whose record carries the largest radius MaxMind can express
# for "somewhere on Earth": sessions bound there must stay readable.
my $g = SGTest->new(module => 1, redis => 1);
make_path($g->path('mmdb'), { mode => 0755 });
$g->write_file('geo.json', <<'JSON');
{ "rows": [
  { "network": "203.0.113.0/24", "country": "US", "city": "", "lat": 37.75,
    "lon": -97.82, "accuracy": 20038, "time_zone": "America/Chicago",
    "asn": 64510, "org": "SG Test Satellite", "connection_type": "Cable/DSL",
    "flags": [] } ] }
JSON
my $gdb = SGTest::MMDB->build($g->path('mmdb'), $g->path('geo.json'));
$g->define(DB_CITY => $gdb->{city});
$g->write_file('secret', "$SECRET\n");
$g->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms;
    # curl and openssl play browsers here (client_mismatch: t/33)
    session_guard_weight client_mismatch 0;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_geoip %%DB_CITY%%;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        session_guard on;
        session_guard_session cookie=sid;
        session_guard_cache off;
        location / { proxy_pass http://127.0.0.1:%%PORT_BACKEND%%; }
    }
    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location / { return 200 "tag=$http_x_session_guard\n"; }
    }
CONF
$g->start;
my @near = (headers => [$CHROME, 'X-Real-IP: 203.0.113.9'], cookie => 'sid=far');
$v = tag_of($g->get('/', @near));
is($v->{verdict}, 'new', 'accuracy 20038 km: first sight');
for my $n (1 .. 2) {
    $v = tag_of($g->get('/', @near));
    is($v->{verdict}, 'ok', "accuracy 20038 km: request $n read back, not error");
}
$g->done;
