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

$t->done;
