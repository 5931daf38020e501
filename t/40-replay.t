# The replay harness against real nginx + module + Redis: a login, the same
# browser again (pass), curl with the stolen cookie (alert), a second
# browser session (pass); PROXY protocol addresses reach the module; the
# simulated gap moves the session's stored times; two profiles show two
# JA4s to the module; no cookie value in the output; exit codes.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use JSON::PP ();
use SGTest;

my $replay = SGTest->root . '/build/sg-replay';
plan(skip_all => "sg-replay not built: $replay") unless -x $replay;

my $t = SGTest->new(module => 1, redis => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=200ms prefix=sgr:;
    session_guard_secret_file %%PREFIX%%/secret;

    log_format guard '$remote_addr $session_guard_verdict '
                     'ja4=$session_guard_ja4 ua="$http_user_agent"';
    log_format app '$request_id';

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl proxy_protocol;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        set_real_ip_from 127.0.0.1;
        real_ip_header proxy_protocol;

        access_log %%PREFIX%%/guard.log guard;

        session_guard on;
        session_guard_session $cookie_sid;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        access_log %%PREFIX%%/app.log app;

        location = /login {
            add_header Set-Cookie "sid=$request_id; Path=/" always;
            return 303 /;
        }

        location / {
            return 200 "session_guard says: <code>$http_x_session_guard</code>\n";
        }
    }
CONF
$t->start;

my $scenario = <<'JSONL';
{"t": 0, "client": "chrome-windows", "ip": "198.51.100.7", "session": "alice", "user": "alice", "login": true, "note": "alice logs in"}
{"t": 2, "client": "chrome-windows", "ip": "198.51.100.7", "session": "alice", "expect": "pass", "label": "benign", "note": "first page"}
{"t": 3600, "client": "chrome-windows", "ip": "198.51.100.7", "session": "alice", "expect": "ok", "label": "benign", "note": "an hour later, same browser"}
{"t": 3700, "client": "curl", "ip": "203.0.113.50", "session": "alice", "expect": "alert", "label": "attack", "note": "the stolen cookie from curl"}

{"t": 3800, "client": "firefox-linux", "ip": "198.51.100.8", "session": "bob", "user": "bob", "login": true}
{"t": 3810, "client": "firefox-linux", "ip": "198.51.100.8", "session": "bob", "expect": "pass", "label": "benign", "note": "a second browser session"}
JSONL
$t->write_file('s.jsonl', $scenario);

my @common = ($replay, '--target', 'https://127.0.0.1:' . $t->port('HTTPS'),
              '--proxy', 'v2', '--redis', '127.0.0.1:' . $t->redis_port,
              '--prefix', 'sgr:');

my ($rc, $out, $err) = $t->run_cmd([@common, $t->path('s.jsonl')],
                                   timeout => 60);
is($rc, 0, 'scenario holds: exit 0') or diag("$out\n$err");
like($out, qr/^\s*2 .* new .*expect=pass ok$/m, 'first use: new');
like($out, qr/^\s*3 .* ok .*expect=ok ok$/m, 'same browser: ok');
like($out, qr/^\s*4 .*curl .*(?:tag|block).*expect=alert ok$/m,
     'stolen cookie from curl: alert');
like($out, qr/true-positive rate : 1\.000/, 'TPR 1');
like($out, qr/false-positive rate: 0\.000/, 'FPR 0');

# the raw cookie values never reach the output
my @ids = grep { /\S/ } split /\n/, $t->read_file('app.log');
ok(@ids >= 2, 'the app issued cookies');
ok(!grep({ index($out . $err, $_) >= 0 } @ids), 'no cookie value printed');

# PROXY v2 addresses and the two profiles as the module saw them
my $log = $t->read_file('guard.log');
like($log, qr/^203\.0\.113\.50 /m, 'the client address came through PROXY');
my ($chrome) = $log =~ /^198\.51\.100\.7 \S+ ja4=(\S+)/m;
my ($curl) = $log =~ /^203\.0\.113\.50 \S+ ja4=(\S+)/m;
my ($firefox) = $log =~ /^198\.51\.100\.8 \S+ ja4=(\S+)/m;
ok($chrome && $firefox && $chrome ne $firefox,
   "chrome and firefox differ in \$session_guard_ja4 ($chrome, $firefox)");
ok($curl && $curl ne $chrome, 'curl differs from chrome');
like($log, qr/ua="Mozilla\/5\.0 \(X11; Linux x86_64; rv:125\.0\)/,
     'the profile\'s User-Agent');

# the hour-long gap was simulated in Redis
my $keys = $t->redis_cmd('KEYS', 'sgr:{*}:s');
my @times = map { scalar $t->redis_cmd('HGET', $_, 't0') } @$keys;
ok((grep { defined && $_ < time - 3000 } @times),
   'a session\'s first-seen time moved back about an hour');

# --json, and failures
($rc, $out) = $t->run_cmd([@common, '--json', $t->path('s.jsonl')],
                          timeout => 60);
my $doc = eval { JSON::PP::decode_json($out) };
ok($doc, '--json is one JSON document') or diag($@);
is($doc->{summary}{tpr}, 1, 'JSON tpr');
is($doc->{summary}{labels}{attack}{alerted}, 1, 'JSON attack alerted');
is(scalar @{ $doc->{requests} }, 6, 'six requests');

$t->write_file('bad.jsonl', <<'JSONL');
{"t": 0, "client": "chrome-windows", "ip": "198.51.100.9", "session": "c", "login": true}
{"t": 1, "client": "chrome-windows", "ip": "198.51.100.9", "session": "c", "label": "benign"}
{"t": 2, "client": "curl", "ip": "198.51.100.9", "session": "c", "expect": "ok", "label": "benign", "note": "mislabelled on purpose"}
JSONL
($rc, $out) = $t->run_cmd([@common, $t->path('bad.jsonl')], timeout => 60);
is($rc, 1, 'an expectation that fails: exit 1');
like($out, qr/expect=ok FAILED/, 'the failure is shown');

($rc, $out) = $t->run_cmd([@common, '--max-fpr', '0', $t->path('bad.jsonl')],
                          timeout => 60);
like($out, qr/FAILED: false-positive rate above/, '--max-fpr');

$t->write_file('typo.jsonl', qq({"t": 0, "expcet": "ok"}\n));
($rc, undef, $err) = $t->run_cmd([@common, $t->path('typo.jsonl')]);
is($rc, 2, 'a typo in a scenario: exit 2');
like($err, qr/typo\.jsonl:1: unknown field "expcet"/, 'names file and line');

$t->done;
