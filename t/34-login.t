# Judgement at issuance over real nginx, Redis and generated MaxMind
# databases: a login is judged before its session leaves, on its place
# (denied country, anonymisers, trusted networks), its client
# (client_mismatch) and its address's density counting it.  In block mode
# the response is the block action, without the Set-Cookie and without any
# of the application's body, over HTTP/1.1 and HTTP/2, and the session is
# not bound; in tag mode the login passes and the verdict is in the
# variables.  Clients appear from chosen addresses through realip.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::MMDB;
use File::Path qw(make_path);

my $t = SGTest->new(module => 1, redis => 1);
make_path($t->path('mmdb'), { mode => 0755 });
my $db = SGTest::MMDB->build($t->path('mmdb'));
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms prefix=sgt34:;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;

    log_format login '$remote_addr "$request" $status '
                     'verdict=$session_guard_verdict '
                     'score=$session_guard_score '
                     'reasons=$session_guard_reasons';

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        access_log %%PREFIX%%/login.log login;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_cache off;
        session_guard_trusted 198.51.100.224/27;
        session_guard_deny_country KP;
        session_guard_threshold tag=40 block=80;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /monitor/ {
            session_guard_threshold tag=40 block=off;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /redirect/ {
            session_guard_on_block redirect=/signin;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /revoke/ {
            session_guard_on_block revoke;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location ~ /login$ {
            add_header Set-Cookie "sid=$request_id; Path=/";
            add_header X-App-User $arg_user;
            return 200 "APP-SECRET welcome $arg_user\n";
        }
        location / {
            return 200 "tag=$http_x_session_guard\n";
        }
    }
CONF
$t->start;

my $CHROME = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
my $OWN = 'User-Agent: AcmeSync/2.3.1';

sub sessions { return scalar(() = $t->redis_cmd('KEYS', 'sgt34:{*}:s')) }

sub login {
    my ($path, $ip, $user, %o) = @_;
    my $r = $t->get("$path?user=$user", https => 1, http2 => $o{http2},
                    headers => [$o{ua} // $OWN, "X-Real-IP: $ip"]);
    # the login's verdict, from the access log (written as it ends)
    my ($v, $s, $reasons);
    for (1 .. 50) {
        my $log = $t->read_file('login.log') // '';
        if ($log =~ /^\Q$ip\E "GET \Q$path?user=$user\E [^"]*" \d+ verdict=(\S*) score=(\S*) reasons=(\S*)$/m) {
            ($v, $s, $reasons) = ($1, $2, $3);
            last;
        }
        select undef, undef, undef, 0.05;
    }
    my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
    return { status => $r->{status}, sid => $sid, verdict => $v // '',
             score => $s, reasons => $reasons // '', body => $r->{body},
             location => $r->{headers}{location} // '',
             cookie => $r->{headers}{'set-cookie'} // '',
             reason => { map { $_ => 1 } split /,/, $reasons // '' } };
}

sub page {
    my ($sid, $ip) = @_;
    my $r = $t->get('/monitor/page', https => 1, cookie => "sid=$sid",
                    headers => [$OWN, "X-Real-IP: $ip"]);
    my ($tag) = $r->{body} =~ /^tag=(.*)$/m;
    my %f = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $tag // '';
    return \%f;
}

# ---- a clean login: new, bound, its first page ok
my $before = sessions();
my $v = login('/login', '198.51.100.60', 'alice');
is($v->{status}, 200, 'home login: 200');
ok($v->{sid}, 'home login: the cookie is set');
is($v->{verdict}, 'new', 'home login: verdict new');
is(page($v->{sid}, '198.51.100.60')->{verdict}, 'ok',
   'home login: bound at issuance, its first page ok');
is(sessions(), $before + 1, 'home login: one session recorded');

# ---- a login from a denied country, block mode: the session never leaves
for my $http2 (0, 1) {
    my $proto = $http2 ? 'HTTP/2' : 'HTTP/1.1';
    $before = sessions();
    $v = login('/login', '192.0.2.205', "kim$http2", http2 => $http2);
    is($v->{status}, 403, "$proto: denied country login: 403");
    is($v->{cookie}, '', "$proto: ... no Set-Cookie");
    unlike($v->{body}, qr/APP-SECRET/, "$proto: ... none of the app's body");
    is($v->{verdict}, 'block', "$proto: ... verdict block");
    ok($v->{reason}{denied_country}, "$proto: ... reason denied_country");
    is(sessions(), $before, "$proto: ... no session bound");
}
# ... monitor mode: it passes, tagged
$v = login('/monitor/login', '192.0.2.206', 'kim-m');
is($v->{status}, 200, 'denied country, monitor: passes');
ok($v->{sid}, 'denied country, monitor: cookie set');
is($v->{verdict}, 'tag', 'denied country, monitor: verdict tag');
like($v->{body}, qr/APP-SECRET/, 'denied country, monitor: the app answered');

# ---- the block action as configured: a redirect, a revocation
$v = login('/redirect/login', '192.0.2.207', 'kim-r');
is($v->{status}, 302, 'redirect action: 302');
like($v->{location}, qr{/signin\?return_to=%2Fredirect%2Flogin},
     'redirect action: to the sign-in page, with return_to');
unlike($v->{cookie}, qr/^sid=\w/, 'redirect action: no session cookie');
$v = login('/revoke/login', '192.0.2.208', 'kim-v');
is($v->{status}, 403, 'revoke action: 403');
like($v->{cookie}, qr/^sid=;/, 'revoke action: only an expiring cookie');
unlike($v->{body}, qr/APP-SECRET/, 'revoke action: none of the body');

# ---- sessions born on anonymisers: tagged at login, and after
for my $c (['192.0.2.80', 'vpn_ip'], ['192.0.2.30', 'hosting_ip'],
           ['192.0.2.180', 'proxy_ip'], ['192.0.2.140', 'tor_ip']) {
    my ($ip, $reason) = @$c;
    $v = login('/login', $ip, "anon$ip");
    is($v->{status}, 200, "login at $ip: passes (below block)");
    is($v->{verdict}, 'tag', "login at $ip: tagged at issuance");
    ok($v->{reason}{$reason}, "login at $ip: $reason");
    is(page($v->{sid}, $ip)->{verdict}, 'tag', "login at $ip: its page tagged");
}

# ---- a script with a browser's User-Agent: client_mismatch at its login
$v = login('/login', '198.51.100.61', 'bot1', ua => $CHROME);
is($v->{verdict}, 'tag', 'curl as Chrome logs in: tag');
ok($v->{reason}{client_mismatch}, 'curl as Chrome logs in: client_mismatch');
# ... from a VPN exit: blocked, no cookie
$v = login('/login', '192.0.2.85', 'bot2', ua => $CHROME);
is($v->{status}, 403, 'curl as Chrome from a VPN exit: blocked at login');
is($v->{cookie}, '', '... no cookie');
# ... from the trusted egress: nothing at all
$v = login('/login', '198.51.100.230', 'staff1', ua => $CHROME);
is($v->{verdict}, 'new', 'trusted egress (inspecting proxy): new');
is($v->{reasons}, '', 'trusted egress: no reason');

# ---- the laptop farm at login: five accounts behind one home address
for my $n (1 .. 5) {
    $v = login('/login', '198.51.100.70', "farm$n");
    if ($n < 5) {
        ok(!$v->{reason}{farm_density}, "farm login $n: not yet")
            or diag $v->{reasons};
    } else {
        ok($v->{reason}{farm_density},
           'farm login 5: farm_density at issuance (four users counted)')
            or diag $v->{reasons};
        is($v->{verdict}, 'tag', 'farm login 5: tagged');
    }
}
# ... a household of three logging in again and again: never
for my $round (1 .. 2) {
    for my $who (qw(mum dad kid)) {
        $v = login('/login', '198.51.100.90', "$who&round=$round");
    }
}
ok(!$v->{reason}{farm_density}, 'household of three, logging in again: no farm');

# ---- the access log carries the login's verdict
my $log = $t->read_file('login.log') // '';
like($log, qr{"GET /login\?user=kim0 [^"]*" 403 verdict=block score=100 reasons=denied_country},
     'access log: the blocked login, verdict, score and reasons');
like($log, qr{"GET /login\?user=alice [^"]*" 200 verdict=new},
     'access log: the clean login');

$t->done;
