# session_guard_redis options against a real redis-server: a password read
# from a file, a database number, a key prefix, a unix socket; and a wrong
# password, which must be logged and fail open, not hang.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use Redis;

my $t = SGTest->new(module => 1, redis => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('redis.pass', "s3cret-pass\n", 0600);
$t->write_file('wrong.pass', "not-it\n", 0600);

my $http = <<'CONF';
    session_guard_secret_file %%PREFIX%%/secret;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        session_guard on;
        session_guard_session $cookie_sid;
        location / { proxy_pass http://127.0.0.1:%%PORT_BACKEND%%; }
    }
    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location / { return 200 "tag=$http_x_session_guard\n"; }
    }
CONF

sub verdict {
    my ($sid) = @_;
    my $r = $t->get('/', cookie => "sid=$sid", max_time => 3);
    return $r->{body} =~ /verdict=(\w+)/ ? $1 : "status $r->{status}";
}

# Password from a file, database 5, a prefix of our own, over TCP.
$t->write_config("    session_guard_redis 127.0.0.1:%%REDIS_PORT%% "
                 . "password_file=%%PREFIX%%/redis.pass db=5 prefix=app7: "
                 . "timeout=300ms;\n" . $http);
$t->redis_start;
$t->redis_cmd('CONFIG', 'SET', 'requirepass', 's3cret-pass');
$t->start;
is(verdict('tcp-1'), 'new', 'password and db: first sight');
is(verdict('tcp-1'), 'ok', 'password and db: seen again');

my $redis = Redis->new(server => '127.0.0.1:' . $t->redis_port);
$redis->auth('s3cret-pass');
$redis->select(5);
my @keys = $redis->keys('*');
is(scalar @keys, 1, 'one key, in database 5');
like($keys[0], qr/^app7:\{[0-9a-f]{32}\}:s$/, 'under the configured prefix');
$redis->select(0);
is(scalar $redis->keys('*'), 0, 'nothing in database 0');
unlike($t->error_log, qr/s3cret-pass/, 'the password is not logged');
$t->stop_nginx;

# A unix socket.
$t->write_config("    session_guard_redis unix:%%REDIS_SOCKET%% "
                 . "password_file=%%PREFIX%%/redis.pass timeout=300ms;\n" . $http);
$t->start;
is(verdict('unix-1'), 'new', 'unix socket: first sight');
is(verdict('unix-1'), 'ok', 'unix socket: seen again');
$t->stop_nginx;

# A wrong password: Redis refuses every command; the module says so once
# and the requests go on with verdict error, quickly.
$t->write_config("    session_guard_redis 127.0.0.1:%%REDIS_PORT%% "
                 . "password_file=%%PREFIX%%/wrong.pass timeout=300ms;\n" . $http);
$t->start;
for my $i (1 .. 3) {
    my $r = $t->get('/', cookie => 'sid=bad-pass', max_time => 3);
    like($r->{body}, qr/verdict=error/, "wrong password ($i): verdict error");
    cmp_ok($r->{elapsed}, '<', 1, "wrong password ($i): answered quickly");
}
like($t->error_log, qr/refused the connection set-up: WRONGPASS/,
     'the refusal is logged');
my @loud = $t->error_log =~ /\[error\][^\n]*redis answered/g;
my @quiet = $t->error_log =~ /\[info\][^\n]*(?:redis answered|redis unavailable)/g;
is(scalar @loud, 1, 'the first failed request is logged as an error');
is(scalar @quiet, 2, 'the next ones, within the second, at info');
unlike($t->error_log, qr/not-it/, 'the wrong password is not logged either');

$t->done;
