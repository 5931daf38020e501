# Place signals over real nginx, Redis and generated MaxMind databases:
# impossible travel, anonymisers, trusted networks, laptop-farm density and
# denied countries.  Clients appear from chosen addresses through the realip
# module (trusting X-Real-IP from 127.0.0.1 only in this test's config).
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
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;

        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_cache off;
        session_guard_trusted 198.51.100.224/27 192.0.2.48/28;
        session_guard_deny_country KP;
        session_guard_threshold tag=40 block=off;

        location / {
            proxy_set_header X-Users $session_guard_ip_users;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /login {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /guarded/ {
            session_guard_threshold tag=40 block=80;
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
            return 200 "tag=$http_x_session_guard\nusers=$http_x_users\n";
        }
    }
CONF
$t->start;

my $UA = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
    . '(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';

sub from { my ($ip, @h) = @_; return (headers => [$UA, "X-Real-IP: $ip", @h]) }

sub login {
    my ($ip, $user) = @_;
    my $r = $t->get("/login?user=$user", from($ip));
    my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
    ok($sid, "$user logged in from $ip");
    return $sid;
}

sub judge {
    my ($path, $sid, $ip) = @_;
    my $r = $t->get($path, cookie => "sid=$sid", from($ip));
    my %f;
    if ($r->{body} =~ /^tag=(.*)$/m) {
        %f = map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $1;
    }
    $f{status} = $r->{status};
    $f{reason} = { map { $_ => 1 } split /,/, ($f{reasons} // '') };
    ($f{users}) = $r->{body} =~ /^users=(\d*)$/m;
    return \%f;
}

# New York, then Stockholm minutes later: nobody flies that fast.
my $sid = login('198.51.100.50', 'alice');
my $v = judge('/', $sid, '198.51.100.50');
is($v->{verdict}, 'ok', 'New York: bound there, ok');
$v = judge('/', $sid, '203.0.113.10');
ok($v->{reason}{impossible_travel}, 'New York -> Stockholm in minutes: impossible_travel');
ok($v->{reason}{country_changed}, '... and country_changed');
ok($v->{reason}{asn_changed}, '... and asn_changed');

# New York, then Newark (14 km): nothing.
$sid = login('198.51.100.51', 'bob');
$v = judge('/', $sid, '198.51.100.140');
is($v->{reasons}, '', 'New York -> Newark: no reason');
is($v->{verdict}, 'ok', 'New York -> Newark: ok');

# Places located to the country only (no city: the country's centre) are
# no journey within their country: New York's home broadband, then the
# phone's hotspot on a carrier the database locates to the US (1000 km
# radius, 1900 km from New York) two minutes later.
$sid = login('198.51.100.54', 'frank');
$v = judge('/', $sid, '198.51.100.54');
$v = judge('/', $sid, '2001:db8:4000::17');
ok(!$v->{reason}{impossible_travel},
   'New York -> country-only US carrier: no impossible_travel')
    or diag "reasons: $v->{reasons}";
ok($v->{reason}{asn_changed}, '... the network did change');
is($v->{verdict}, 'ok', '... ok');
# ... but the look-alike between countries still is: from that carrier to
# Tokyo minutes later is 9000 km beyond both radii.
$v = judge('/', $sid, '203.0.113.200');
ok($v->{reason}{impossible_travel},
   'country-only US carrier -> Tokyo in minutes: impossible_travel');
# A record without a city claiming a small radius (GB's centre, 200 km) is
# as coarse: London, then satellite broadband located to GB.
$sid = login('203.0.113.140', 'gwen');
$v = judge('/', $sid, '203.0.113.140');
$v = judge('/', $sid, '2001:db8:4100::5');
ok(!$v->{reason}{impossible_travel},
   'London -> country-only GB satellite range: no impossible_travel')
    or diag "reasons: $v->{reasons}";

# A session moving to an anonymiser gets the right reason.
my %exit = ('192.0.2.10' => 'hosting_ip', '192.0.2.70' => 'vpn_ip',
            '192.0.2.130' => 'tor_ip', '192.0.2.170' => 'proxy_ip');
for my $ip (sort keys %exit) {
    $sid = login('198.51.100.52', "carol$ip");
    $v = judge('/', $sid, $ip);
    ok($v->{reason}{$exit{$ip}}, "moved to $ip: $exit{$ip}")
        or diag "reasons: $v->{reasons}";
    my @others = grep { $v->{reason}{$_} && $_ ne $exit{$ip} }
                 qw(hosting_ip vpn_ip tor_ip proxy_ip);
    is("@others", '', "moved to $ip: no other anonymiser reason");
}

# A session born on an anonymiser and living there is tagged on every
# request, with the default weights: the address's class is a standing
# reason, not only a change.
my %born = ('192.0.2.75' => 'vpn_ip', '192.0.2.20' => 'hosting_ip',
            '192.0.2.175' => 'proxy_ip', '192.0.2.135' => 'tor_ip',
            '2001:db8:2000::9' => 'vpn_ip');
for my $ip (sort keys %born) {
    $sid = login($ip, "hana$ip");
    for my $n (1, 2) {
        $v = judge('/', $sid, $ip);
        is($v->{verdict}, 'tag', "born at $ip and used there ($n): tag")
            or diag "reasons: $v->{reasons}";
        ok($v->{reason}{$born{$ip}}, "... $born{$ip}");
    }
}
# ... but a VPN gateway of the company's own (trusted, in the hosting
# range) is silent.
$sid = login('192.0.2.50', 'ivan');
$v = judge('/', $sid, '192.0.2.50');
is($v->{verdict}, 'ok', 'born on the trusted VPN gateway: ok');
is($v->{reasons}, '', '... no reason');

# Several users behind one VPN exit: farm_density, as behind one home.
for my $n (1 .. 4) {
    my $s = login('192.0.2.100', "exit$n");
    $v = judge('/', $s, '192.0.2.100');
    if ($n < 4) {
        ok(!$v->{reason}{farm_density}, "VPN exit: user $n, no farm_density");
    } else {
        ok($v->{reason}{farm_density}, 'VPN exit: the fourth user, farm_density')
            or diag "users $v->{users}, reasons: $v->{reasons}";
    }
}
# ... and on the trusted gateway, five users are nothing.
for my $n (1 .. 5) {
    my $s = login('192.0.2.51', "gw$n");
    $v = judge('/', $s, '192.0.2.51');
}
is($v->{reasons}, '', 'trusted VPN gateway with five users: no reason');

# A trusted network (corporate egress) gives no place reason at all.
$sid = login('198.51.100.53', 'dave');
$v = judge('/', $sid, '198.51.100.230');
is($v->{reasons}, '', 'trusted network: no geo, anonymiser or density reason');

# A denied country: blocked, even at first sight, where blocking is on.
$sid = login('192.0.2.200', 'erin');
$v = judge('/', $sid, '192.0.2.200');
ok($v->{reason}{denied_country}, 'denied country: reason denied_country');
$v = judge('/guarded/x', $sid, '192.0.2.200');
is($v->{status}, 403, 'denied country: blocked where blocking is on');
$v = judge('/guarded/x', 'never-seen-session-1', '192.0.2.201');
is($v->{status}, 403, 'denied country: blocked at first sight too');

# The laptop farm: four employees' sessions from one home address.
my @farm;
for my $n (1 .. 4) {
    my $s = login('198.51.100.15', "employee$n");
    push @farm, $s;
    $v = judge('/', $s, '198.51.100.15');
    is($v->{users}, $n, "farm: $n distinct users counted at the address");
    if ($n < 4) {
        ok(!$v->{reason}{farm_density}, "farm: user $n, no farm_density yet");
    } else {
        ok($v->{reason}{farm_density}, 'farm: the fourth user gets farm_density');
    }
}
$v = judge('/', $farm[0], '198.51.100.15');
ok($v->{reason}{farm_density}, 'farm: and the first user after that too');

# The corporate egress, with many users, is trusted: never a farm.
for my $n (1 .. 5) {
    my $s = login('198.51.100.231', "staff$n");
    $v = judge('/', $s, '198.51.100.231');
}
ok(!$v->{reason}{farm_density}, 'trusted egress with five users: no farm_density');

# The density keys follow the documented schema and expire: one set for
# the address, one for its network, sessions at +t and users at -t.
my $ip_set = 'sg:{net:198.51.100.0/24}:ip:198.51.100.15:d';
is_deeply([$t->redis_cmd('KEYS', 'sg:{net:198.51.100.0/24}:ip:198.51.100.15:*')],
          [$ip_set], 'density counters stored per address, in one set');
is($t->redis_cmd('TYPE', $ip_set), 'zset', 'density: a sorted set');
my @members = $t->redis_cmd('ZRANGE', $ip_set, 0, -1, 'WITHSCORES');
my %m = @members;
my @s = grep { /^s[0-9a-f]{16}$/ } keys %m;
my @u = grep { /^u[0-9a-f]{16}$/ } keys %m;
is(scalar @s + scalar @u, scalar keys %m, 'density: members are sNN or uNN');
ok(@s && @u, 'density: the farm address holds sessions and users');
ok(!grep({ $m{$_} <= 0 || abs($m{$_} - time) > 600 } @s),
   'density: sessions scored by when they were seen');
ok(!grep({ $m{$_} >= 0 || abs(-$m{$_} - time) > 600 } @u),
   'density: users scored by minus that time');
ok($t->redis_cmd('TTL', $ip_set) > 0, 'density counters expire');
ok($t->redis_cmd('TTL', 'sg:{net:198.51.100.0/24}:d') > 0,
   'density: the network\'s set too');

$t->done;
