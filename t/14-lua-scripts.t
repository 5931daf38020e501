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
# network; a probe counts as if added and adds nothing.
my $density = slurp('src/lua/density.lua');
my @keys = ((map { "sg:{net:192.0.2.0/24}:ip:192.0.2.7:s:$_" } 1 .. 4),
            (map { "sg:{net:192.0.2.0/24}:ip:192.0.2.7:u:$_" } 1 .. 4),
            (map { "sg:{net:192.0.2.0/24}:s:$_" } 1 .. 4),
            (map { "sg:{net:192.0.2.0/24}:u:$_" } 1 .. 4),
            'sg:{net:192.0.2.0/24}:probe');
sub density {
    my ($session, $user, $probe) = @_;
    return [$t->redis_cmd('EVAL', $density, scalar @keys, @keys,
                          $session, $user, 600, $probe)];
}
# A neighbour in the network, in an older bucket.
$t->redis_cmd('PFADD', 'sg:{net:192.0.2.0/24}:s:2', 'neighbour');
is_deeply(density('k1', 'alice', 1), [1, 1, 0, 0, 2, 1, 1, 0],
          'density probe: as if added, with and without');
is($t->redis_cmd('EXISTS', $keys[3], $keys[7], $keys[16]), 0,
   'density probe: adds nothing and leaves no scratch');
is_deeply(density('k1', 'alice', 0), [1, 1, 1, 1, 2, 1, 2, 1],
          'density add: address and network');
ok($t->redis_cmd('TTL', $keys[3]) > 590 && $t->redis_cmd('TTL', $keys[15]) > 590,
   'density add: the current buckets expire');
is_deeply(density('k1', 'alice', 0), [1, 1, 1, 1, 2, 1, 2, 1],
          'density add: the same session and user again count once');
is_deeply(density('k2', '', 0), [2, 1, 2, 1, 3, 1, 3, 1],
          'density add: a second session without a user');
is_deeply(density('k3', 'bob', 1), [3, 2, 2, 1, 4, 2, 3, 1],
          'density probe after adds');
# The address seen in an older bucket too: a member in both counts once,
# one only there counts (the counts of several buckets, not the current
# bucket's alone).
$t->redis_cmd('PFADD', $keys[0], 'k1', 'k2');
is_deeply(density('k2', '', 0), [2, 1, 2, 1, 3, 1, 3, 1],
          'density add: members of older buckets count once');
$t->redis_cmd('PFADD', $keys[1], 'k0');
is_deeply(density('k2', '', 0), [3, 1, 3, 1, 3, 1, 3, 1],
          'density add: a member of an older bucket only counts');

$t->done;
