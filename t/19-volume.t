# Exfiltration volume (session_guard_volume): real `git clone` over HTTPS
# through nginx to git http-backend (fcgiwrap), the session cookie sent by
# git; a session cloning many repositories gets mass_clone, one repository
# cloned again counts once; the bytes counted equal what curl received over
# HTTP/1.1 and HTTP/2, with a range and with an aborted download; every
# counter key expires; trusted networks and `session_guard_volume off`
# count nothing; a bulk download behind another device blocks.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use POSIX ();
use SGTest;

my $BACKEND = '/usr/lib/git-core/git-http-backend';
my $FCGIWRAP = (grep { -x } map { "$_/fcgiwrap" } qw(/usr/sbin /usr/bin))[0];
plan skip_all => 'needs git, git-http-backend and fcgiwrap '
    . '(apt-get install git fcgiwrap)'
    unless $FCGIWRAP && -x $BACKEND && system('git --version >/dev/null') == 0;

my $MB = 1024 * 1024;

my $t = SGTest->new(module => 1, redis => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");

# Five small repositories, and a file of a few MB for the byte counts.
my $prefix = $t->prefix;
my $repos = "$prefix/repos";
mkdir $repos or die "mkdir $repos: $!";
chmod 0755, $repos;
for my $n (1 .. 5) {
    my $work = "$prefix/work$n";
    my @git = ('git', '-C', $work, '-c', 'user.name=t', '-c', 'user.email=t@t');
    $t->write_file("work$n/file", "repository $n\n" x 1000);
    for my $cmd (['git', 'init', '-q', '-b', 'main', $work],
                 [@git, 'add', '.'],
                 [@git, 'commit', '-q', '-m', "r$n"],
                 ['git', 'clone', '-q', '--bare', $work, "$repos/r$n.git"]) {
        my ($st, undef, $err) = $t->run_cmd($cmd, timeout => 30);
        die "@$cmd: $err" if $st;
    }
}
my $big = join '', map { chr(($_ * 7) % 251) } 0 .. 65535;
$t->write_file('www/big/blob', $big x 80);    # 5 MiB
my $size = length($big) * 80;
# Larger than loopback's socket buffers, for a download cut short.
$t->write_file('www/big/huge', $big x 1024);  # 64 MiB
my $huge = length($big) * 1024;
# What git says it is, for requests of the same client.
my ($git_version) = `git --version` =~ /(\d+\.\d+\.\d+)/;
my $GIT_UA = "User-Agent: git/$git_version";

# git http-backend behind fcgiwrap, on a socket the workers (nobody) reach.
my $sock = "$prefix/fcgiwrap.sock";
my $fcgi_pid = fork // die "fork: $!";
if ($fcgi_pid == 0) {
    POSIX::setsid();
    umask 0;
    exec $FCGIWRAP, '-s', "unix:$sock" or POSIX::_exit(127);
}
END { kill 'TERM', $fcgi_pid if $fcgi_pid; }
$t->wait_until(sub { -S $sock }, timeout => 5) or die "fcgiwrap did not start";

$t->define(GIT_ROOT => $repos);
$t->define(FCGI => $sock);
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=500ms;
    session_guard_secret_file %%PREFIX%%/secret;
    session_guard_trusted 127.0.0.2;

    # PATH_INFO for git http-backend: the URI without /git.
    map $uri $git_path { ~^/git(?<p>/.*)$ $p; }

    server {
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        listen 127.0.0.2:%%PORT_HTTPS%% ssl http2;
        server_name localhost;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        session_guard on;
        session_guard_session cookie=sid;
        session_guard_user $http_x_user;
        session_guard_threshold tag=40 block=80;

        # A Git server's fetches: one object a repository.
        location ~ ^/git/(?<repo>[^/]+)\.git/git-upload-pack$ {
            session_guard_volume window=1h bytes=1g requests=1000 objects=3
                                 key=$repo;
            include %%PREFIX%%/git.conf;
        }

        location /git/ {
            include %%PREFIX%%/git.conf;
        }

        # A file share's downloads, through a backend.
        location /big/ {
            session_guard_volume window=1h bytes=12m requests=100;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
            proxy_buffering off;
        }

        # Looks at a session from curl (another client than git): the
        # standing reasons without the device comparison.
        location = /probe {
            session_guard_weight tls_changed 0;
            session_guard_weight device_changed 0;
            session_guard_weight concurrent_use 0;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }

        location /ci/ {
            session_guard_volume off;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%/big/;
        }

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location /big/ { root %%PREFIX%%/www; }
        location / { return 200 "v=$http_x_session_guard\n"; }
    }
CONF
$t->write_file('git.conf', $t->render(<<'GIT'));
fastcgi_pass unix:%%FCGI%%;
fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
fastcgi_param GIT_PROJECT_ROOT %%GIT_ROOT%%;
fastcgi_param GIT_HTTP_EXPORT_ALL "";
fastcgi_param GIT_PROTOCOL $http_git_protocol;
fastcgi_param PATH_INFO $git_path;
fastcgi_param QUERY_STRING $query_string;
fastcgi_param REQUEST_METHOD $request_method;
fastcgi_param CONTENT_TYPE $content_type;
fastcgi_param CONTENT_LENGTH $content_length;
fastcgi_param SERVER_PROTOCOL $server_protocol;
fastcgi_param REMOTE_ADDR $remote_addr;
GIT
$t->start;

my $port = $t->port('HTTPS');
my $redis = $t->redis;

# The 16 hex digits of a session as the tag header names them, and its
# counters in Redis.
sub session_id {
    my ($sid, @o) = @_;
    my $r = $t->get('/probe', https => 1, cookie => "sid=$sid", @o);
    my ($id) = $r->{body} =~ /session=([0-9a-f]{16})/;
    return ($id // '', $r->{body});
}

sub keys_of {
    my ($pattern) = @_;
    my ($cursor, @k) = (0);
    do {
        my $r = $redis->scan($cursor, 'MATCH', $pattern, 'COUNT', 1000);
        ($cursor, my $found) = @$r;
        push @k, @$found;
    } while ($cursor);
    return @k;
}

sub counted {
    my ($who, $field) = @_;
    my $sum = 0;
    $sum += $redis->hget($_, $field) // 0 for keys_of("sg:{$who*}:vc:*");
    return $sum;
}

sub objects {
    my ($who) = @_;
    my @k = keys_of("sg:{$who*}:vo:*");
    return @k ? $redis->pfcount(@k) : 0;
}

sub clone {
    my ($repo, $sid, $user, $dest) = @_;
    my @cmd = ('git', '-c', 'http.sslVerify=false',
               '-c', "http.extraHeader=Cookie: sid=$sid",
               '-c', "http.extraHeader=X-User: $user",
               'clone', '-q', "https://localhost:$port/git/$repo.git",
               "$prefix/clones/$dest");
    my ($st, undef, $err) = $t->run_cmd(\@cmd, timeout => 30);
    return $st ? "failed: $err" : 'ok';
}
mkdir "$prefix/clones";

# --- git clone: distinct repositories per user -----------------------------
is(clone('r1', 'alice-1', 'alice', 'a1'), 'ok', 'git clone through nginx');
ok(-f "$prefix/clones/a1/file", 'the clone has the file');

# One repository cloned again counts once.
is(clone('r1', 'bob-1', 'bob', "b$_"), 'ok', "bob clones r1 (#$_)") for 1 .. 3;
ok($t->wait_until(sub { counted('u:bob', 'r') >= 3 }),
   'bob\'s fetches are counted');
is(objects('u:bob'), 1, 'one repository cloned three times: one object');
my ($bob) = session_id('bob-1', headers => [$GIT_UA]);
is(objects($bob), 1, 'the session counts it once too');

# Many repositories: over objects=3, mass_clone.
is(clone("r$_", 'alice-1', 'alice', "a-r$_"), 'ok', "alice clones r$_")
    for 2 .. 5;
ok($t->wait_log(qr/user alice crossed mass_clone: /, timeout => 5),
   'the crossing is logged at notice, with the counts');
like($t->error_log, qr/\[notice\].*user alice crossed mass_clone: \d+ bytes, \d+ requests, 4 objects/,
     'the notice names the counts');
my ($alice) = session_id('alice-1', headers => [$GIT_UA]);
my @rec = keys_of("sg:{$alice*}:s");
is(scalar @rec, 1, 'alice\'s session record');
ok($t->wait_until(sub { $redis->hget($rec[0], 'xm') }), 'the session is flagged');
my (undef, $body) = session_id('alice-1', headers => [$GIT_UA]);
like($body, qr/reasons=[^;]*mass_clone/, 'her next request carries mass_clone');
is(objects('u:alice'), 5, 'five repositories for alice');

# --- bytes: what curl received -----------------------------------------------
sub bytes_case {
    my ($name, $sid, %o) = @_;
    my $file = delete $o{file} // 'blob';
    my $r = $t->get("/big/$file", https => 1, cookie => "sid=$sid",
                    headers => ['User-Agent: dl/1'], max_time => 10, %o);
    my $got = $r->{info}{size_download} // length($r->{body} // '');
    my ($id) = session_id($sid, headers => ['User-Agent: dl/1']);
    $t->wait_until(sub { counted($id, 'r') >= 1 });
    return ($got, counted($id, 'b'), $r);
}

my ($got, $n, $r) = bytes_case('h1', 'dl-h1');
is($r->{http_version}, '1.1', 'HTTP/1.1');
is($got, $size, 'curl received the whole file');
is($n, $got, "HTTP/1.1: counted $n bytes, curl received $got");

($got, $n, $r) = bytes_case('h2', 'dl-h2', http2 => 1);
is($r->{http_version}, '2', 'HTTP/2');
is($n, $got, "HTTP/2: counted $n bytes, curl received $got");

($got, $n, $r) = bytes_case('range', 'dl-range',
                            curl_args => ['-r', '1000-200999']);
is($r->{status}, 206, 'a range request');
is($got, 200000, 'curl received the range');
is($n, $got, "range: counted $n bytes, curl received $got");

($got, $n, $r) = bytes_case('abort', 'dl-abort', file => 'huge',
                            curl_args => ['--limit-rate', '2M'], max_time => 1);
ok($got > 0 && $got < $huge, "aborted after $got bytes");
ok($n >= $got && $n < $huge,
   "aborted: counted $n bytes, curl received $got (socket buffers between)");

# --- bulk download: tag alone, block from another device ---------------------
my $own = ['User-Agent: dl/1'];
$t->get('/big/blob', https => 1, cookie => 'sid=bulk', headers => $own)
    for 1 .. 3;    # 15 MiB > 12m
ok($t->wait_log(qr/session crossed bulk_download/, timeout => 5),
   'a bulk download crossing is logged');
($bob, $body) = session_id('bulk', headers => $own);
ok($t->wait_until(sub {
       (session_id('bulk', headers => $own))[1] =~ /bulk_download/ }),
   'the session carries bulk_download');
(undef, $body) = session_id('bulk', headers => $own);
like($body, qr/verdict=tag; score=40;/, 'the owner\'s device: a tag (40)');
my $thief = $t->get('/app', https => 1, cookie => 'sid=bulk',
                    headers => ['User-Agent: Mozilla/5.0 (Windows NT 10.0; '
                        . 'Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) '
                        . 'Chrome/124.0.0.0 Safari/537.36']);
is($thief->{status}, 403, 'bulk download and another device: blocked');

# --- what is not counted ------------------------------------------------------
$t->get('/big/blob', https => 1, cookie => 'sid=trusted', source_ip => '127.0.0.2',
        host => '127.0.0.2', headers => $own);
$t->get('/ci/blob', https => 1, cookie => 'sid=ci', headers => $own);
my ($ci) = session_id('ci', headers => $own);
sleep 1;
is(counted($ci, 'r'), 0, 'session_guard_volume off: nothing counted');
my $tr = $t->get('/probe', https => 1, cookie => 'sid=trusted',
                 source_ip => '127.0.0.2', host => '127.0.0.2', headers => $own);
my ($tid) = $tr->{body} =~ /session=([0-9a-f]{16})/;
ok($tid, 'a trusted client\'s session');
is(counted($tid, 'r'), 0, 'a trusted network: nothing counted');

# --- every key expires --------------------------------------------------------
my @all = keys_of('sg:*');
my @vol = grep { /:v[co]:/ } @all;
ok(@vol >= 10, scalar(@vol) . ' counter keys');
is_deeply([grep { $redis->ttl($_) < 0 } @all], [], 'every key has a TTL');
ok(!grep({ $redis->ttl($_) > 4500 } @vol), 'counters live a window and a bucket');

kill 'TERM', $fcgi_pid;
waitpid $fcgi_pid, 0;
$fcgi_pid = 0;
$t->done;
