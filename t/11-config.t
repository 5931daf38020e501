# Configuration errors fail `nginx -t` with a clear message naming the file
# and line; a good configuration passes, and secrets come from files.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;

my $t = SGTest->new(module => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_file('short', "tooshort\n", 0600);
$t->write_file('pass', "hunter2\n", 0600);
$t->write_file('empty', "", 0600);
$t->write_file('open-secret', "0123456789abcdef0123456789abcdef\n", 0644);
$t->write_file('group-secret', "0123456789abcdef0123456789abcdef\n", 0640);
$t->write_file('open-pass', "hunter2\n", 0604);

my $server = <<'CONF';
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        session_guard on;
        session_guard_session $cookie_sid;
        location / { proxy_pass http://127.0.0.1:%%PORT_HTTP%%/x; }
    }
CONF

my @cases = (
    [ 'good configuration',
      "session_guard_redis 127.0.0.1:6379 password_file=%%PREFIX%%/pass db=3 "
      . "timeout=50ms prefix=app1:;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_ttl 2h;\nsession_guard_header X-Guard;\n"
      . "session_guard_on_error pass;\n",
      undef ],
    [ 'unix socket address',
      "session_guard_redis unix:%%PREFIX%%/redis.sock;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      undef ],
    [ 'unknown redis parameter',
      "session_guard_redis 127.0.0.1:6379 colour=blue;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/invalid parameter "colour=blue" in \S+nginx\.conf:\d+/ ],
    [ 'bad redis timeout',
      "session_guard_redis 127.0.0.1:6379 timeout=fast;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/invalid parameter "timeout=fast" in \S+nginx\.conf:\d+/ ],
    [ 'bad redis db',
      "session_guard_redis 127.0.0.1:6379 db=x;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/invalid parameter "db=x"/ ],
    [ 'bad redis address',
      "session_guard_redis 127.0.0.1:99999;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/invalid port in redis address "127\.0\.0\.1:99999" in \S+nginx\.conf:\d+/ ],
    [ 'missing password file',
      "session_guard_redis 127.0.0.1:6379 password_file=%%PREFIX%%/nope;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/open\(\) "\S+\/nope" failed .*No such file.* in \S+nginx\.conf:\d+/ ],
    [ 'empty password file',
      "session_guard_redis 127.0.0.1:6379 password_file=%%PREFIX%%/empty;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/password file "\S+\/empty" is empty/ ],
    [ 'missing secret file',
      "session_guard_redis 127.0.0.1:6379;\n"
      . "session_guard_secret_file %%PREFIX%%/missing-secret;\n",
      qr/open\(\) "\S+\/missing-secret" failed .* in \S+nginx\.conf:\d+/ ],
    [ 'short secret',
      "session_guard_redis 127.0.0.1:6379;\n"
      . "session_guard_secret_file %%PREFIX%%/short;\n",
      qr/secret file "\S+\/short" line 1 is too short.* in \S+nginx\.conf:\d+/ ],
    [ 'world-readable secret',
      "session_guard_redis 127.0.0.1:6379;\n"
      . "session_guard_secret_file %%PREFIX%%/open-secret;\n",
      qr/secret file "\S+\/open-secret" is readable by everyone \(mode 0644\); make it readable by its owner only \(chmod 600\) in \S+nginx\.conf:\d+/ ],
    [ 'group-readable secret',
      "session_guard_redis 127.0.0.1:6379;\n"
      . "session_guard_secret_file %%PREFIX%%/group-secret;\n",
      qr/secret file "\S+\/group-secret" is readable by its group \(mode 0640\).* in \S+nginx\.conf:\d+/ ],
    [ 'world-readable password file',
      "session_guard_redis 127.0.0.1:6379 password_file=%%PREFIX%%/open-pass;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/password file "\S+\/open-pass" is readable by everyone \(mode 0604\)/ ],
    [ 'session cookie form',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_session cookie=sid duplicates=refuse;\n",
      undef ],
    [ 'bad session cookie name',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_session \"cookie=s;d\";\n",
      qr/invalid cookie name "s;d" in \S+nginx\.conf:\d+/ ],
    [ 'bad duplicates parameter',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_session cookie=sid duplicates=first;\n",
      qr/invalid parameter "duplicates=first" in \S+nginx\.conf:\d+/ ],
    [ 'duplicates= without a cookie',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_session \$http_x_token duplicates=refuse;\n",
      qr/"session_guard_session" directive takes "duplicates=" only with a cookie in \S+nginx\.conf:\d+/ ],
    [ 'new sessions rate',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_new_sessions 30r/m burst=50 over=429 zone=256k;\n",
      undef ],
    [ 'new sessions off',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_new_sessions off;\n",
      undef ],
    [ 'bad new sessions rate',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_new_sessions 30/m;\n",
      qr/"session_guard_new_sessions" directive has an invalid rate, e.g. "30r\/m" in \S+nginx\.conf:\d+/ ],
    [ 'bad new sessions over',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_new_sessions 30r/m over=drop;\n",
      qr/invalid parameter "over=drop" in \S+nginx\.conf:\d+/ ],
    [ 'no redis',
      "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/"session_guard" is on but "session_guard_redis" is not set/ ],
    [ 'no secret',
      "session_guard_redis 127.0.0.1:6379;\n",
      qr/"session_guard" is on but "session_guard_secret_file" is not set/ ],
    [ 'duplicate redis',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_redis 127.0.0.1:6380;\n"
      . "session_guard_secret_file %%PREFIX%%/secret;\n",
      qr/"session_guard_redis" directive is duplicate in \S+nginx\.conf:\d+/ ],
    [ 'redis in a server block',
      "session_guard_secret_file %%PREFIX%%/secret;\n"
      . "server { listen 127.0.0.1:%%PORT_OTHER%%; session_guard_redis 127.0.0.1:6379; }\n",
      qr/"session_guard_redis" directive is not allowed here in \S+nginx\.conf:\d+/ ],
    [ 'bad header name',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_header \"X Bad\";\n",
      qr/invalid header name "X Bad" in \S+nginx\.conf:\d+/ ],
    [ 'bad flag',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard maybe;\n",
      qr/invalid value "maybe" in "session_guard" directive, it must be "on" or "off" in \S+nginx\.conf:\d+/ ],
    [ 'bad on_error',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_on_error maybe;\n",
      qr/invalid value "maybe", it must be "pass" or a status code from 400 to 599 in \S+nginx\.conf:\d+/ ],
    [ 'bad ttl',
      "session_guard_redis 127.0.0.1:6379;\nsession_guard_secret_file %%PREFIX%%/secret;\n"
      . "session_guard_ttl soon;\n",
      qr/"session_guard_ttl" directive invalid value in \S+nginx\.conf:\d+/ ],
);

for my $c (@cases) {
    my ($name, $http, $expect) = @$c;
    $t->write_config($http . $server);
    my ($ok, $out) = $t->nginx_t;
    if (defined $expect) {
        ok(!$ok, "$name: nginx -t fails");
        like($out, $expect, "$name: message names the problem and the line");
    } else {
        ok($ok, "$name: nginx -t passes") or diag $out;
    }
}

# Without any "session_guard on" the module is inert: no Redis, no secret.
$t->write_config(<<'CONF');
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        location / { return 204; }
    }
CONF
my ($ok, $out) = $t->nginx_t;
ok($ok, 'loaded but unused: no directive required') or diag $out;

# The secret never appears in nginx's own output.
$t->write_config("session_guard_redis 127.0.0.1:6379;\n"
                 . "session_guard_secret_file %%PREFIX%%/secret;\n" . $server);
($ok, $out) = $t->nginx_t;
unlike($out, qr/0123456789abcdef0123456789abcdef/, 'secret not echoed');

$t->done;
