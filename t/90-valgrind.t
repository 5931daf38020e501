# The module under valgrind: nginx in single-process mode with the module
# does a bit of everything (TLS and HTTP/2, binding at issuance, geo, block
# and revoke, Redis going away and back, a reload-free shutdown), and the
# report must show no invalid access and no leak from session_guard code.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use SGTest::MMDB;
use File::Path qw(make_path);
use POSIX qw(WNOHANG);

plan skip_all => 'valgrind is not installed' unless grep { -x "$_/valgrind" }
    split /:/, $ENV{PATH};

my $t = SGTest->new(module => 1, redis => 1, timeout => 240);
# valgrind cannot run a binary built with AddressSanitizer (make test-asan).
plan skip_all => 'nginx is built with AddressSanitizer: no valgrind'
    if `ldd ${\ $t->nginx_binary} 2>/dev/null` =~ /libasan/;
make_path($t->path('mmdb'), { mode => 0755 });
my $db = SGTest::MMDB->build($t->path('mmdb'));
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
make_path($t->path('tmp'), { mode => 0755 });
$t->write_raw_config(<<'CONF');
%%LOAD_MODULE%%
master_process off;
daemon off;
error_log %%PREFIX%%/error.log info;
pid %%PREFIX%%/nginx.pid;
events {}
http {
    access_log off;
    client_body_temp_path %%PREFIX%%/tmp;
    proxy_temp_path %%PREFIX%%/tmp;
    fastcgi_temp_path %%PREFIX%%/tmp;
    uwsgi_temp_path %%PREFIX%%/tmp;
    scgi_temp_path %%PREFIX%%/tmp;

    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=2s;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_events;

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_threshold tag=40 block=off;

        location / {
            proxy_set_header X-JA4 $session_guard_ja4;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /login { proxy_pass http://127.0.0.1:%%PORT_BACKEND%%; }
        location /b/ {
            session_guard_threshold tag=40 block=80;
            session_guard_on_block revoke=/login;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location = /metrics { session_guard off; session_guard_metrics; }
        location /guard/ {
            session_guard off;
            allow 127.0.0.1;
            deny all;
            session_guard_dashboard;
        }
    }
    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location /login {
            add_header Set-Cookie "sid=$request_id; Path=/";
            return 200 "in\n";
        }
        location / { return 200 "tag=$http_x_session_guard ja4=$http_x_ja4\n"; }
    }
}
CONF
$t->redis_start;

my $vglog = $t->path('valgrind.log');
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    open STDOUT, '>', '/dev/null';
    open STDERR, '>', '/dev/null';
    exec 'valgrind', '--leak-check=full', '--show-leak-kinds=definite',
         '--num-callers=30', "--log-file=$vglog", $t->nginx_binary,
         '-p', $t->prefix . '/', '-c', $t->prefix . '/nginx.conf';
    exit 127;
}

my $up = $t->wait_until(sub {
    my $r = $t->get('/metrics', https => 1, max_time => 2);
    return $r->{status} == 200;
}, timeout => 60);
ok($up, 'nginx under valgrind answers');

# curl stands for the browser, under a name of its own: with a browser's
# User-Agent its TLS stack would contradict it (client_mismatch, t/33)
my $ua = 'User-Agent: ValgrindBrowser/1.0 (X11; Linux)';
for my $i (1 .. 3) {
    my @from = (https => 1, headers => [$ua, "X-Real-IP: 198.51.100.4$i"]);
    my $r = $t->get('/login', @from);
    my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
    ok($sid, "login $i");
    $r = $t->get('/', @from, cookie => "sid=$sid");
    like($r->{body}, qr/verdict=ok/, "session $i: ok");
    my @rs = $t->get_many([ map { ['/', https => 1, http2 => 1,
        cookie => "sid=$sid", headers => [$ua, 'X-Real-IP: 203.0.113.9']] } 1 .. 2 ]);
    like($rs[0]{body}, qr/impossible_travel/, "session $i: travel over HTTP/2");
    $r = $t->get('/b/x', https => 1, tls_max => '1.2', cookie => "sid=$sid",
                 headers => ['User-Agent: curl/7.88.1', 'X-Real-IP: 192.0.2.10']);
    is($r->{status}, 302, "session $i: thief revoked");
}

# The events of those sessions, through the dashboard's queries.
for my $q (qw(summary alerts alerts?sort=score&reason=tls_changed farms tls
              user?user=- session?sid=0123456789abcdef)) {
    my $d = $t->get("/guard/api/$q", https => 1, max_time => 10);
    is($d->{status}, 200, "dashboard: $q");
}
is($t->get('/guard/', https => 1)->{status}, 200, 'dashboard: the page');

$t->redis_stop;
my $r = $t->get('/', https => 1, cookie => 'sid=x', max_time => 5);
like($r->{body}, qr/verdict=error/, 'redis down: error');
like($t->get('/guard/api/summary', https => 1, max_time => 5)->{status},
     qr/^50[234]$/, 'redis down: the dashboard says so');
$t->redis_start;
# A cookie never seen issued: judged again once Redis is back, and tagged
# binding_expired (binding at issuance is on here).
ok($t->wait_until(sub {
    $t->get('/', https => 1, cookie => 'sid=x')->{body}
        =~ /verdict=tag; score=40; reasons=binding_expired/
}, timeout => 20), 'redis back');

kill 'QUIT', $pid;
my $gone = $t->wait_until(sub { waitpid($pid, WNOHANG) == $pid }, timeout => 60);
ok($gone, 'nginx exited') or kill 'KILL', $pid;

my $report = $t->read_file('valgrind.log');
my @errors = $report =~ /^==\d+== (Invalid (?:read|write|free).*|Conditional jump.*uninitialised.*|Use of uninitialised.*)$/mg;
is_deeply(\@errors, [], 'no invalid access or uninitialised use');

# nginx itself leaks a few bytes of its environment in single-process mode;
# a leak with session_guard or libraries it drives in the stack is ours.
my @ours = grep { /session_guard|sg_|hiredis|redis|MMDB/ }
           split /\n==\d+== \n/, join "\n", $report =~ /(definitely lost.*?)(?=\n==\d+== \n)/sg;
is(scalar @ours, 0, 'no leak from session_guard code') or diag join "\n", @ours;
like($report, qr/ERROR SUMMARY/, 'valgrind finished its report');

$t->done;
