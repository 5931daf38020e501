# The module as a Redis ACL user: a redis-server whose ACL file holds the
# user exactly as the README writes it (the rules are read from README.md),
# and a password file with the user name and the password.  Everything the
# module does works under it -- binding at issuance, judging, revocation,
# density, volume, the script cache refilled with EVAL, a secret rotation,
# metrics -- and
# Redis denies nothing (ACL LOG stays empty).  The same user without one
# command, or with another key pattern, gets a clear logged error and the
# location's session_guard_on_error, as does a wrong password.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha256_hex);
use File::Path qw(make_path);
use SGTest;
use SGTest::MMDB;

# The documented user: the rules after "user session_guard on #$hash".
my $readme = do {
    open my $fh, '<', SGTest->root . '/README.md' or die "README.md: $!\n";
    local $/;
    <$fh>;
};
my ($rules) = $readme =~ /^\s+echo "user session_guard on #\$hash (.*)" >>/m;
ok($rules, 'README.md documents the module\'s ACL user') or BAIL_OUT('no ACL line in README.md');
my @rules = split ' ', $rules;

my $PW = 'acl-test-pass-' . join('', map { ('a'..'z')[rand 26] } 1 .. 12);

# The default user may only PING (the harness's readiness check): a
# connection whose AUTH fails can do nothing, as with "user default off".
# The tests' own client is an admin; the module's user is the README's.
# The ACL file's path is known once the test directory is.
my $ADMIN = 'admin-pass-' . join('', map { ('a'..'z')[rand 26] } 1 .. 12);
my $t = SGTest->new(module => 1, redis => 1, redis_args => [],
                    redis_auth => ['admin', $ADMIN]);
my $acl = "user default on nopass resetchannels -\@all +ping\n"
        . "user admin on #" . sha256_hex($ADMIN) . " ~* &* +\@all\n"
        . "user session_guard on #" . sha256_hex($PW) . " $rules\n";
$t->write_file('users.acl', $acl, 0600);
push @{ $t->{opt}{redis_args} }, '--aclfile', $t->path('users.acl');

make_path($t->path('mmdb'), { mode => 0755 });
my $db = SGTest::MMDB->build($t->path('mmdb'));
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('redis.secret', "session_guard\n$PW\n");
$t->define(PASS => 'redis.secret');

my $conf = <<'CONF';
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms
                        password_file=%%PREFIX%%/%%PASS%%;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;
    session_guard_shared_cache off;

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_cache off;
        session_guard_threshold tag=30 block=off;

        location / {
            proxy_set_header X-Users $session_guard_ip_users;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /closed/ {
            session_guard_on_error 503;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /revoke/ {
            session_guard_threshold tag=10 block=20;
            session_guard_on_block revoke=/login;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /files/ {
            session_guard_volume window=1h bytes=1m requests=2 objects=2;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location = /metrics {
            session_guard off;
            session_guard_metrics;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location /login {
            add_header Set-Cookie "sid=$request_id; Path=/";
            add_header X-App-User "alice";
            return 200 "welcome\n";
        }
        location / {
            return 200 "tag=$http_x_session_guard\nusers=$http_x_users\n";
        }
    }
CONF
$t->write_config($conf);
$t->start;

my $UA = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 '
    . '(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36';
my $OTHER = 'User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:125.0) '
    . 'Gecko/20100101 Firefox/125.0';
my @VICTIM = (headers => [$UA, 'X-Real-IP: 198.51.100.7']);
my @THIEF = (headers => [$OTHER, 'X-Real-IP: 203.0.113.9']);

sub tag_of {
    my ($r) = @_;
    return {} unless $r->{status} == 200 && $r->{body} =~ /^tag=(.*)$/m;
    return { map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $1 };
}

sub login {
    my $r = $t->get('/login', @VICTIM);
    my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
    ok($sid, 'the app issued a session');
    return $sid;
}

sub metrics {
    my %m = $t->get('/metrics')->{body} =~ /^(session_guard_\w+) (\d+)$/mg;
    return \%m;
}

sub denied { return scalar @{ $t->redis_cmd('ACL', 'LOG') } }

# The module's connection is the ACL user's.
ok($t->wait_until(sub {
       $t->get('/', @VICTIM, cookie => 'sid=warm-up');
       $t->redis_cmd('CLIENT', 'LIST') =~ /\buser=session_guard\b/;
   }, timeout => 3), 'the module is connected as session_guard');

# Binding, judging, revocation.
my $sid = login();
my $r = $t->get('/', @VICTIM, cookie => "sid=$sid");
is(tag_of($r)->{verdict}, 'ok', 'bound at issuance, judged ok');
like($r->{body}, qr/^users=1$/m, 'density: the address counts one user');
ok(scalar(() = $t->redis_cmd('KEYS', 'sg:{net:198.51.100.0/24}:ip:198.51.100.7:*')),
   'density: the address\'s counters are written');
$r = $t->get('/', @THIEF, cookie => "sid=$sid");
isnt(tag_of($r)->{verdict}, 'ok', 'another device is not ok');
$r = $t->get('/revoke/x', @THIEF, cookie => "sid=$sid");
is($r->{status}, 302, 'a block revokes');
$r = $t->get('/', @VICTIM, cookie => "sid=$sid");
is(tag_of($r)->{reasons}, 'revoked', 'the revocation holds');

# Volume: counted, and over the thresholds the session carries the reasons.
my $vol = login();
$t->get("/files/$_", @VICTIM, cookie => "sid=$vol") for 1 .. 3;
ok($t->wait_until(sub {
       has_reason(tag_of($t->get('/', @VICTIM, cookie => "sid=$vol")),
                  'bulk_download');
   }, timeout => 3), 'volume: counted and flagged (bulk_download)');
ok(scalar(() = $t->redis_cmd('KEYS', 'sg:{u:alice}:vc:*')), 'volume: the user\'s counters are written');

# The script cache flushed: EVALSHA misses, EVAL refills it.
$t->redis_cmd('SCRIPT', 'FLUSH');
my $fresh = login();
is(tag_of($t->get('/', @VICTIM, cookie => "sid=$fresh"))->{verdict}, 'ok',
   'after SCRIPT FLUSH: EVAL is allowed, the session is ok');

# A secret rotation: the session moves to the new key's name (EXISTS,
# RENAME), under the same user.
$t->write_file('secret', "fedcba9876543210fedcba9876543210\n"
                         . "0123456789abcdef0123456789abcdef\n");
ok(eval { $t->reload }, 'reload with a rotated secret') or diag($@);
is(tag_of($t->get('/', @VICTIM, cookie => "sid=$fresh"))->{verdict}, 'ok',
   'rotated: the session is found under the previous key and moved');
is(tag_of($t->get('/', @VICTIM, cookie => "sid=$sid"))->{reasons}, 'revoked',
   'rotated: the revoked one stays revoked');

is(metrics()->{session_guard_redis_errors_total}, 0, 'metrics: no Redis error');
is(denied(), 0, 'ACL LOG: Redis denied the module nothing');

sub has_reason {
    my ($v, $reason) = @_;
    return scalar grep { $_ eq $reason } split /,/, ($v->{reasons} // '');
}

# The same user without one command, or with another key pattern: each a
# user of its own, made with the README's rules but one, and a reload.
my @broken = (
    [ 'EVALSHA', [ grep { $_ ne '+evalsha' } @rules ],
      qr/redis answered: NOPERM[^\n]*'evalsha'/ ],
    [ 'HSET (called by the session script)', [ grep { $_ ne '+hset' } @rules ],
      qr/redis answered: ERR The user executing the script can't run this command[^\n]*\@user_script:\d+/,
      'hset' ],
    [ 'the key pattern', [ map { $_ eq '~sg:*' ? '~other:*' : $_ } @rules ],
      qr/redis answered: NOPERM[^\n]*keys/ ],
);
my $n = 0;
for my $c (@broken) {
    my ($what, $rules, $re, $object) = @$c;
    my $user = 'sg_broken_' . ++$n;
    $t->redis_cmd('ACL', 'SETUSER', $user, 'on', '#' . sha256_hex($PW), @$rules);
    $t->write_file("redis-$n.secret", "$user\n$PW\n");
    $t->define(PASS => "redis-$n.secret");
    $t->write_config($conf);
    ok(eval { $t->reload }, "reload as a user without $what") or diag($@);

    my $s = "broken-$n";
    $r = $t->get('/', @VICTIM, cookie => "sid=$s", max_time => 3);
    is(tag_of($r)->{verdict}, 'error', "without $what: on_error pass, verdict error");
    cmp_ok($r->{elapsed}, '<', 1, "without $what: answered at once");
    $r = $t->get('/closed/', @VICTIM, cookie => "sid=$s", max_time => 3);
    is($r->{status}, 503, "without $what: on_error 503 fails closed");
    ok($t->wait_log($re), "without $what: the error log says what was denied")
        or diag(join "\n", grep { /session_guard/ } split /\n/, $t->error_log);
    next unless $object;
    # From inside a script Redis names the script's line, not the command;
    # its ACL LOG names the command.
    my ($entry) = grep { { @$_ }->{username} eq $user } @{ $t->redis_cmd('ACL', 'LOG') };
    is($entry && { @$entry }->{object}, $object, "without $what: ACL LOG names $object");
}

# A wrong password for the ACL user.
$t->write_file('wrong.secret', "session_guard\nnot-it\n");
$t->define(PASS => 'wrong.secret');
$t->write_config($conf);
ok(eval { $t->reload }, 'reload with a wrong password') or diag($@);
$r = $t->get('/', @VICTIM, cookie => 'sid=wrong-pass', max_time => 3);
is(tag_of($r)->{verdict}, 'error', 'wrong password: verdict error');
ok($t->wait_log(qr/refused the connection set-up: WRONGPASS/), 'wrong password: logged');
unlike($t->error_log, qr/\Q$PW\E|not-it/, 'no password is logged');

# nginx -t on the password file.
for my $c ([ 'pw-three', "session_guard\n$PW\nmore\n",
             qr/password file "\S+\/pw-three" line 3 is a third line: the file holds the password, or a user name and its password on two lines in \S+nginx\.conf:\d+/ ],
           [ 'pw-user', "session guard\n$PW\n",
             qr/password file "\S+\/pw-user" line 1 is not a user name/ ],
           [ 'pw-blank', "session_guard\n\n",
             qr/password file "\S+\/pw-blank" line 2 is empty/ ]) {
    $t->write_file($c->[0], $c->[1], 0600);
    $t->define(PASS => $c->[0]);
    $t->write_config($conf);
    my ($ok, $out) = $t->nginx_t;
    ok(!$ok, "nginx -t refuses $c->[0]");
    like($out, $c->[2], "$c->[0]: the message says why");
}

$t->done;
