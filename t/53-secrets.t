# The secret file and its rotation: what nginx -t refuses (and says), then
# sessions bound and revoked under key A, the file rotated to "B then A"
# with a reload (the same cookies are the same sessions, the revoked one
# stays revoked, a revoked value re-issued by the app stays revoked, and
# the records move to B's names), two nginx disagreeing during the swap
# (one "A then B", one "B then A": sessions move back and forth and are
# never lost, a revocation on either holds on both), the script's move on
# its own (the current record wins, a moved one keeps its TTL), then A
# dropped.  A reload whose secret file is missing, readable by others or
# short fails, and nginx serves on with the key it has.  The names are
# checked against HMAC-SHA256 computed here with Digest::SHA, not by the
# module.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Digest::SHA qw(hmac_sha256_hex);
use SGTest;

my $A = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
my $B = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';

my $VICTIM = 'User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) '
    . 'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.60 Safari/537.36';
my $THIEF = 'User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; '
    . 'rv:125.0) Gecko/20100101 Firefox/125.0';
my @VICTIM = (headers => [$VICTIM, 'Accept-Language: en-US,en;q=0.9']);
my @THIEF = (headers => [$THIEF, 'Accept-Language: fr-FR,fr;q=0.5']);

my $t = SGTest->new(module => 1, redis => 1);

# ---- nginx -t: each refusal names the file, the line and the fault.
my $conf = <<'CONF';
    session_guard_redis 127.0.0.1:%%REDIS_PORT%% timeout=300ms;
    session_guard_secret_file %%PREFIX%%/%%SECRET%%;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        session_guard on;
        session_guard_session $cookie_sid;
        location / { proxy_pass http://127.0.0.1:%%PORT_BACKEND%%; }
    }
CONF

my @refused = (
    [ 'empty file', 'empty-secret', '',
      qr/secret file "\S+\/empty-secret" is empty: it holds the current key, and during a rotation the previous key on a second line in \S+nginx\.conf:\d+/ ],
    [ 'short previous key', 'short2-secret', "$B\nshort-key\n",
      qr/secret file "\S+\/short2-secret" line 2 is too short: a key needs at least 16 bytes in \S+nginx\.conf:\d+/ ],
    [ 'three keys', 'three-secret', "$B\n$A\ncccccccccccccccccccccccc\n",
      qr/secret file "\S+\/three-secret" line 3 is a third key: the file holds the current key and at most one previous key, one a line/ ],
    [ 'the same key twice', 'twice-secret', "$A\n$A\n",
      qr/secret file "\S+\/twice-secret" line 2 is the same key as line 1: the previous key must differ/ ],
    [ 'a blank line', 'blank-secret', "$B\n\n$A\n",
      qr/secret file "\S+\/blank-secret" line 2 is empty: keys are one a line, with no blank line/ ],
    [ 'a binary key', 'binary-secret', join('', map { chr } 0x80 .. 0x8f) . "\n"
                                       . join('', map { chr } 0x90 .. 0x9f),
      qr/secret file "\S+\/binary-secret" line 1 holds a byte that is not printable ASCII: keys are text/ ],
    [ 'group-readable', 'group-secret', "$B\n$A\n",
      qr/secret file "\S+\/group-secret" is readable by its group \(mode 0640\)/, 0640 ],
);
for my $c (@refused) {
    my ($what, $file, $content, $re, $mode) = @$c;
    $t->write_file($file, $content, $mode);
    $t->define(SECRET => $file);
    $t->write_config($conf);
    my ($ok, $out) = $t->nginx_t;
    ok(!$ok, "nginx -t refuses $what");
    like($out, $re, "$what: the message says why");
}

# Benign look-alikes: two keys with CRLF line ends and no final newline,
# one key with spaces.
for my $c ([ 'crlf-secret', "$B\r\n$A" ], [ 'spaces-secret', 'correct horse battery staple' ]) {
    $t->write_file($c->[0], $c->[1]);
    $t->define(SECRET => $c->[0]);
    $t->write_config($conf);
    my ($ok, $out) = $t->nginx_t;
    ok($ok, "nginx -t accepts $c->[0]") or diag($out);
}

# ---- the running server
$t->write_file('secret', "$A\n");
$t->define(SECRET => 'secret');
my $guarded = <<'CONF';
    session_guard_redis 127.0.0.1:%%SHARED_REDIS%% timeout=300ms;
    session_guard_secret_file %%PREFIX%%/%%SECRET%%;
    # Every request asks Redis: these tests are about the records (a node's
    # caches answer a session found fine moments ago without Redis).
    session_guard_shared_cache off;

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        session_guard on;
        session_guard_session $cookie_sid;
        session_guard_issue_cookie sid;
        session_guard_user $upstream_http_x_app_user;
        session_guard_threshold tag=30 block=off;
        session_guard_cache off;

        location / {
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
        location /revoke/ {
            session_guard_threshold tag=10 block=20;
            session_guard_on_block revoke=/login;
            proxy_pass http://127.0.0.1:%%PORT_BACKEND%%;
        }
    }

    server {
        listen 127.0.0.1:%%PORT_BACKEND%%;
        location /login {
            add_header Set-Cookie "sid=$request_id; Path=/; HttpOnly";
            add_header X-App-User "alice";
            return 200 "welcome\n";
        }
        # An app that hands out a session id it is given: a revoked one
        # must stay revoked, whichever key named it.
        location /reissue {
            add_header Set-Cookie "sid=$arg_sid; Path=/";
            return 200 "again\n";
        }
        location / {
            return 200 "tag=$http_x_session_guard\n";
        }
    }
CONF
$t->define(SHARED_REDIS => $t->redis_port);
$t->write_config($guarded);
$t->start;

sub tag_of {
    my ($r) = @_;
    return {} unless $r->{status} == 200 && $r->{body} =~ /^tag=(.*)$/m;
    return { map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /;\s*/, $1 };
}

sub has_reason {
    my ($v, $reason) = @_;
    return scalar grep { $_ eq $reason } split /,/, ($v->{reasons} // '');
}

sub login {
    my $r = $t->get('/login', @VICTIM);
    my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=([0-9a-f]+)/;
    ok($sid, 'the app issued a session');
    return $sid;
}

# The record's name: PREFIX{first 32 hex of HMAC-SHA256(key, sid)}:s.
sub name_of {
    my ($key, $sid) = @_;
    return 'sg:{' . substr(hmac_sha256_hex($sid, $key), 0, 32) . '}:s';
}

sub record {
    my ($name) = @_;
    my %h = $t->redis_cmd('HGETALL', $name);
    return \%h;
}

sub verdict {
    my ($sid, @o) = @_;
    return tag_of($t->get('/', @o, cookie => "sid=$sid"));
}

sub rotate {
    my ($content, $what) = @_;
    $t->write_file('secret', $content);
    ok(eval { $t->reload }, "reload: $what") or diag($@);
}

# Under A: sessions in use (one to be stolen), one revoked, one revoked and
# not seen again before the rotation, and one nobody uses during it.
my $kept = login();
my $revoked = login();
my $reissued = login();
my $idle = login();
my $stolen = login();
is(verdict($kept, @VICTIM)->{verdict}, 'ok', 'key A: the session is bound at issuance');
is(verdict($idle, @VICTIM)->{verdict}, 'ok', 'key A: another session');
is(verdict($stolen, @VICTIM)->{verdict}, 'ok', 'key A: and another');
for my $sid ($revoked, $reissued) {
    my $r = $t->get('/revoke/x', @THIEF, cookie => "sid=$sid");
    is($r->{status}, 302, 'key A: a thief\'s request revokes the session');
    $t->wait_until(sub { record(name_of($A, $sid))->{rv} }, timeout => 3);
    is_deeply([sort keys %{ record(name_of($A, $sid)) }], [qw(rv t)],
              'key A: the tombstone is under A\'s name');
}
my $bound = record(name_of($A, $kept));
is($bound->{u}, 'alice', 'key A: the binding is under A\'s name');
like($bound->{dev}, qr/^d1:chrome:124:windows:/, 'key A: bound to the victim\'s device');
my $ttl_a = $t->redis_cmd('TTL', name_of($A, $kept));
ok($ttl_a > 0, 'key A: the record expires');

# A fleet first learns the coming key as the second line ("A then B"):
# nothing changes, nothing moves.
rotate("$A\n$B\n", 'A then B');
is(verdict($kept, @VICTIM)->{verdict}, 'ok', 'A then B: the session is still ok');
ok($t->redis_cmd('EXISTS', name_of($A, $kept)), 'A then B: the record stays under A');
ok(!$t->redis_cmd('EXISTS', name_of($B, $kept)), 'A then B: nothing under B');

# "B then A": the same cookies are the same sessions, now named with B.
rotate("$B\n$A\n", 'B then A');
my $v = verdict($kept, @VICTIM);
is($v->{verdict}, 'ok', 'B then A: the session is ok, not new');
ok(!$t->redis_cmd('EXISTS', name_of($A, $kept)), 'B then A: gone from A\'s name');
my $moved = record(name_of($B, $kept));
is($moved->{$_}, $bound->{$_}, "B then A: the same binding ($_)")
    for qw(dev ip0 t0 u);
cmp_ok($moved->{n}, '>', $bound->{n}, 'B then A: and the same count, going on');
cmp_ok($t->redis_cmd('TTL', name_of($B, $kept)), '>', 0, 'B then A: the record still expires');

$v = verdict($stolen, @THIEF);
ok(has_reason($v, 'device_changed'),
   'B then A: the thief\'s device is still not the bound one');
isnt($v->{verdict}, 'ok', 'B then A: the thief is not ok');

$v = verdict($revoked, @VICTIM);
is($v->{verdict}, 'tag', 'B then A: the revoked session is still revoked');
is($v->{reasons}, 'revoked', 'B then A: reason revoked');
is_deeply([sort keys %{ record(name_of($B, $revoked)) }], [qw(rv t)],
          'B then A: the tombstone moved to B\'s name');
ok(!$t->redis_cmd('EXISTS', name_of($A, $revoked)), 'B then A: and left A\'s');

# The app hands out the value revoked under A to a request without it: the
# tombstone moves and stays; nothing is bound to whoever received it.
my $r = $t->get("/reissue?sid=$reissued", @THIEF);
like($r->{headers}{'set-cookie'} // '', qr/^sid=\Q$reissued\E;/, 'the app re-issues a revoked value');
$t->wait_until(sub { $t->redis_cmd('EXISTS', name_of($B, $reissued)) }, timeout => 3);
is_deeply([sort keys %{ record(name_of($B, $reissued)) }], [qw(rv t)],
          're-issued under B: still a tombstone, not a binding');
$v = verdict($reissued, @THIEF);
is($v->{reasons}, 'revoked', 're-issued: the thief\'s cookie is still revoked');

# Two nginx that disagree during step 2 of a fleet's rotation: this one has
# "B then A", another still "A then B".  A session moves back and forth
# between the two names and is never lost; a revocation on either holds on
# both; a session issued by either is known to both.
my $t2 = SGTest->new(module => 1);
$t2->write_file('secret', "$A\n$B\n");
$t2->define(SECRET => 'secret');
$t2->define(SHARED_REDIS => $t->redis_port);
$t2->write_config($guarded);
$t2->start;
my $both = login();
for my $i (1 .. 2) {
    is(tag_of($t2->get('/', @VICTIM, cookie => "sid=$both"))->{verdict}, 'ok',
       "two nodes ($i): ok on the node with A first");
    ok($t->redis_cmd('EXISTS', name_of($A, $both)) && !$t->redis_cmd('EXISTS', name_of($B, $both)),
       "two nodes ($i): the record is under A's name");
    is(verdict($both, @VICTIM)->{verdict}, 'ok', "two nodes ($i): ok on the node with B first");
    ok($t->redis_cmd('EXISTS', name_of($B, $both)) && !$t->redis_cmd('EXISTS', name_of($A, $both)),
       "two nodes ($i): the record is under B's name");
}
$r = $t2->get('/revoke/x', @THIEF, cookie => "sid=$both");
is($r->{status}, 302, 'two nodes: the node with A first revokes');
$t->wait_until(sub { record(name_of($A, $both))->{rv} }, timeout => 3);
is(verdict($both, @VICTIM)->{reasons}, 'revoked', 'two nodes: revoked on the other node too');
$r = $t2->get('/login', @VICTIM);
my ($other) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=([0-9a-f]+)/;
ok($t->redis_cmd('EXISTS', name_of($A, $other)), 'two nodes: issued under A by the node with A first');
is(verdict($other, @VICTIM)->{verdict}, 'ok', 'two nodes: and ok on the node with B first');
$t2->stop;
is_deeply([SGTest::bad_log_lines($t2->error_log)], [], 'two nodes: no alert in the other node\'s log');

# The script itself: when both names hold a record the current one wins and
# the other is left alone; a record moved keeps its TTL (verdict mode, which
# leaves TTLs alone).
my $script = do {
    open my $fh, '<:raw', SGTest->root . '/src/lua/session.lua' or die "session.lua: $!\n";
    local $/;
    <$fh>;
};
my @verdict_args = ('3', time, '3600', 'd1:x', '', '127.0.0.1', '', 'ok', '0', '1',
                    '', '0', '0', '1', '900', '', '', '0');
$t->redis_cmd('HSET', 'sg:{cur}:s', 'dev', 'current', 't0', '1');
$t->redis_cmd('HSET', 'sg:{old}:s', 'dev', 'old', 't0', '1');
$t->redis_cmd('EVAL', $script, 2, 'sg:{cur}:s', 'sg:{old}:s', @verdict_args);
is($t->redis_cmd('HGET', 'sg:{cur}:s', 'dev'), 'current', 'both names: the current record is kept');
is($t->redis_cmd('HGET', 'sg:{old}:s', 'dev'), 'old', 'both names: the other is left alone');
$t->redis_cmd('HSET', 'sg:{old2}:s', 'dev', 'old', 't0', '1');
$t->redis_cmd('EXPIRE', 'sg:{old2}:s', 5000);
$t->redis_cmd('EVAL', $script, 2, 'sg:{new2}:s', 'sg:{old2}:s', @verdict_args);
is($t->redis_cmd('HGET', 'sg:{new2}:s', 'dev'), 'old', 'moved: the record');
cmp_ok($t->redis_cmd('TTL', 'sg:{new2}:s'), '>', 4990, 'moved: with its TTL');
ok(!$t->redis_cmd('EXISTS', 'sg:{old2}:s'), 'moved: the old name is gone');
$t->redis_cmd('EVAL', $script, 1, 'sg:{new3}:s', @verdict_args);
ok(!$t->redis_cmd('EXISTS', 'sg:{new3}:s'), 'one name: nothing is made');

# Drop A: the sessions that moved go on; one that nobody used while both
# keys were there is unknown now (binding_expired where sessions are bound
# at issuance): keep the previous key for at least the idle timeout.
rotate("$B\n", 'B alone');
is(verdict($kept, @VICTIM)->{verdict}, 'ok', 'B alone: the moved session is ok');
is(verdict($revoked, @VICTIM)->{reasons}, 'revoked', 'B alone: the revoked one stays revoked');
$v = verdict($idle, @VICTIM);
ok(has_reason($v, 'binding_expired'),
   'B alone: a session not seen during the rotation is binding_expired');

# ---- a reload that cannot read the secret keeps the key nginx has.
my @workers = $t->nginx_workers;
my @bad = (
    [ 'the secret file deleted', sub { unlink $t->path('secret') },
      qr/\[emerg\].*open\(\) "\S+\/secret" failed/ ],
    [ 'the secret file readable by its group', sub {
          $t->write_file('secret', "$A\n", 0640) },
      qr/\[emerg\].*secret file "\S+\/secret" is readable by its group/ ],
    [ 'a short key in the secret file', sub { $t->write_file('secret', "short\n") },
      qr/\[emerg\].*secret file "\S+\/secret" line 1 is too short/ ],
);
for my $c (@bad) {
    my ($what, $do, $re) = @$c;
    $do->();
    eval { $t->reload };
    like($@, qr/rejected the new configuration/, "reload with $what fails");
    like($t->error_log, $re, "$what: the error log says why");
    is_deeply([sort $t->nginx_workers], [sort @workers], "$what: the old workers serve on");
    is(verdict($kept, @VICTIM)->{verdict}, 'ok', "$what: with key B, the session is ok");
}

$t->done(allow => qr/\[emerg\].*(?:secret"? failed|secret file)/);
