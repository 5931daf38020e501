# The Redis scripts as a real redis-server sees them: each .lua file
# compiles (SCRIPT LOAD) and Redis names it by the SHA-1 of the file, and
# the module, which sends EVALSHA with the SHA-1 of its embedded text
# (t/unit/test_scripts.c: the file's), has Redis run exactly that file.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(sha1_hex);
use SGTest;

my $t = SGTest->new(module => 1, redis => 1);
$t->write_file('secret', "0123456789abcdef0123456789abcdef\n");
$t->write_config(<<'CONF');
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms;
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

sub slurp {
    my ($rel) = @_;
    open my $fh, '<:raw', SGTest->root . "/$rel" or die "$rel: $!\n";
    local $/;
    return scalar <$fh>;
}

my %sha;
$t->redis_start;
for my $rel (qw(src/lua/session.lua src/lua/density.lua
                tools/sg-replay/timeshift.lua)) {
    my $text = slurp($rel);
    $sha{$rel} = sha1_hex($text);
    is($t->redis_cmd('SCRIPT', 'LOAD', $text), $sha{$rel},
       "$rel: loads, named by the SHA-1 of the file");
}

# A fresh script cache: the module's EVALSHA misses, it sends the body.
$t->redis_cmd('SCRIPT', 'FLUSH');
is_deeply([$t->redis_cmd('SCRIPT', 'EXISTS', $sha{'src/lua/session.lua'})],
          [0], 'flushed');
$t->start;
my $r = $t->get('/', cookie => 'sid=lua-1', max_time => 3);
like($r->{body}, qr/verdict=new/, 'first sight');
$r = $t->get('/', cookie => 'sid=lua-1', max_time => 3);
like($r->{body}, qr/verdict=ok/, 'seen again');
is_deeply([$t->redis_cmd('SCRIPT', 'EXISTS', $sha{'src/lua/session.lua'})],
          [1], 'what the module had Redis run is src/lua/session.lua');

# The density script run by hand on the real server, with the keys the
# module makes (t/unit/test_density.c): one run counts an address and its
# network; a probe counts as if added and adds nothing.  Times are given,
# so the window can be walked through.
my $density = slurp('src/lua/density.lua');
my @keys = ('sg:{net:192.0.2.0/24}:ip:192.0.2.7:d', 'sg:{net:192.0.2.0/24}:d');
my $T = 1_800_000_000;
sub density {
    my ($session, $user, $probe, %o) = @_;
    return [$t->redis_cmd('EVAL', $density, scalar @keys, @keys, $session,
                          $user, $o{now} // $T, 600, $probe, $o{cap} // 1024)];
}
# A neighbour in the network, seen a moment ago.
density('neighbour', '', 0, now => $T - 10);
$t->redis_cmd('DEL', $keys[0]);
is_deeply(density('k1', 'alice', 1), [1, 1, 0, 0, 2, 1, 1, 0],
          'density probe: as if added, with and without');
is($t->redis_cmd('EXISTS', $keys[0]), 0, 'density probe: adds nothing');
is($t->redis_cmd('ZCARD', $keys[1]), 1, 'density probe: the network neither');
is_deeply(density('k1', 'alice', 0), [1, 1, 1, 1, 2, 1, 2, 1],
          'density add: address and network');
ok($t->redis_cmd('TTL', $keys[0]) > 590 && $t->redis_cmd('TTL', $keys[1]) > 590,
   'density add: the sets expire a window after the last write');
is_deeply(density('k1', 'alice', 0), [1, 1, 1, 1, 2, 1, 2, 1],
          'density add: the same session and user again count once');
is_deeply(density('k2', '', 0), [2, 1, 2, 1, 3, 1, 3, 1],
          'density add: a second session without a user');
is_deeply(density('k3', 'bob', 1), [3, 2, 2, 1, 4, 2, 3, 1],
          'density probe after adds');
is_deeply(density('alice', 'k1', 1), [3, 2, 2, 1, 4, 2, 3, 1],
          'density: a session and a user of the same name are not one member');

# The window slides: a member counts for 600 s after it was last seen.
# Each step: seconds after $T, the session added (none: ''), the counts.
for my $step (
    [589, '', [2, 1, 2, 1, 3, 1, 3, 1],
     '599 s after the neighbour was seen, it still counts'],
    [590, '', [2, 1, 2, 1, 2, 1, 2, 1],
     '600 s after, it is gone from the network'],
    [599, 'k1', [2, 1, 2, 1, 2, 1, 2, 1], 'k1 seen again at 599 s, refreshed'],
    [600, '', [1, 0, 1, 0, 1, 0, 1, 0], 'at 600 s k2 and alice are gone, k1 stays'],
    [1198, '', [1, 0, 1, 0, 1, 0, 1, 0], 'k1 until 600 s after its last sighting'],
    [1199, '', [0, 0, 0, 0, 0, 0, 0, 0], 'then nothing'],
) {
    my ($after, $session, $want, $what) = @$step;
    is_deeply(density($session, '', 0, now => $T + $after), $want,
              "density: $what");
}

# A full set takes no new member, refreshes those it holds, and stays full.
$t->redis_cmd('DEL', @keys);
density("c$_", "u$_", 0, now => $T, cap => 4) for 1 .. 2;
is_deeply(density('c3', '', 0, now => $T, cap => 4), [2, 2, 2, 2, 2, 2, 2, 2],
          'density cap: a full set adds no new session');
is_deeply(density('c1', 'u1', 0, now => $T + 500, cap => 4),
          [2, 2, 2, 2, 2, 2, 2, 2], 'density cap: ... but refreshes one held');
is_deeply(density('', '', 0, now => $T + 650, cap => 4),
          [1, 1, 1, 1, 1, 1, 1, 1], 'density cap: c2 and u2 age out, c1 stays');
is_deeply(density('c3', '', 0, now => $T + 650, cap => 4),
          [2, 1, 2, 1, 2, 1, 2, 1], 'density cap: room again, c3 is added');
like($t->redis_cmd('OBJECT', 'ENCODING', $keys[0]), qr/^(?:listpack|ziplist)$/,
   'density: a small set is a compact listpack');

$t->done;
