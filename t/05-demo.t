# `make run`'s demo: scripts/demo starts Redis, nginx with the module and the
# demo app on the ports it is given, the printed stolen-cookie recipe works
# and ends on the dashboard's page of the replayed cookie's alert, which
# the dashboard's API shows, and an interrupt stops everything it started.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use SGTest;
use POSIX qw(WNOHANG);
use JSON::PP ();

my $t = SGTest->new(module => 1);
my $root = $t->root;
my %port = map { $_ => $t->port("DEMO_$_") } qw(HTTPS HTTP APP REDIS);

my $out = $t->path('demo.out');
my $pid = fork // die "fork: $!";
if ($pid == 0) {
    setpgrp(0, 0);
    open STDOUT, '>', $out or die;
    open STDERR, '>&', \*STDOUT or die;
    $ENV{"SG_DEMO_${_}_PORT"} = $port{$_} for keys %port;
    $ENV{SG_NGINX} = $t->nginx_binary;
    $ENV{SG_MODULE} = $t->module_static ? 'static' : $t->module_path;
    exec "$root/scripts/demo";
    exit 127;
}

my $up = $t->wait_until(sub {
    -s $out && $t->read_file('demo.out') =~ /Press Ctrl-C to stop/
}, timeout => 30);
ok($up, 'the demo says it is running') or diag $t->read_file('demo.out');
like($t->read_file('demo.out'), qr{https://localhost:$port{HTTPS}/login},
     'it prints the app URL');

# curl stands for the browser, under a name of its own: with a browser's
# User-Agent its TLS stack would contradict it (client_mismatch, t/33)
my $ua = 'User-Agent: DemoBrowser/1.0 (X11; Linux)';
my $r = $t->get('/login', https => 1, port => $port{HTTPS}, method => 'POST',
                body => 'user=alice', headers => [$ua]);
is($r->{status}, 303, 'logging in redirects to the app');
my ($sid) = ($r->{headers}{'set-cookie'} // '') =~ /^sid=(\w+)/;
ok($sid, 'the demo app issued a session cookie');

$r = $t->get('/', https => 1, port => $port{HTTPS}, cookie => "sid=$sid",
             headers => [$ua]);
like($r->{body}, qr/verdict=ok/, 'the browser carries on: ok');
like($r->{body}, qr/<code>t1[23]d\w+_\w{12}_\w{12}<\/code>/, 'the page shows the JA4');

$r = $t->get('/monitor/', https => 1, port => $port{HTTPS}, tls_max => '1.2',
             cookie => "sid=$sid");
like($r->{body}, qr/verdict=tag; score=\d+; reasons=[\w,]*tls_changed/,
     'the cookie replayed with curl: tagged, with the reasons');
my ($short) = $r->{body} =~ /session=([0-9a-f]{16})/;
ok($short, 'the page names the session');

# The recipe ends on the dashboard page of the replayed cookie's alert.
my $recipe = $t->read_file('demo.out');
like($recipe, qr{Dashboard:\s+https://localhost:$port{HTTPS}/guard/},
     'it prints the dashboard URL');
my @said = grep { /\S/ } split /\n/, ($recipe =~ /^(.*?)Press Ctrl-C/s)[0];
like($said[-1], qr{echo .*https://localhost:$port{HTTPS}/guard/#session=},
     'the recipe ends on the page of the replayed cookie\'s alert');
my $page = $t->get('/guard/', https => 1, port => $port{HTTPS});
is($page->{status}, 200, 'the dashboard page');
like($page->{headers}{'content-type'}, qr/charset=utf-8/, '... in utf-8');
my $alerts;
$t->wait_until(sub {
    my $a = $t->get('/guard/api/alerts', https => 1, port => $port{HTTPS});
    $alerts = eval { JSON::PP::decode_json($a->{body}) };
    $alerts && grep { $_->{sid} eq $short } @{ $alerts->{alerts} };
}, timeout => 5);
my ($alert) = grep { $_->{sid} eq $short } @{ $alerts->{alerts} || [] };
ok($alert, 'the dashboard lists the replay\'s alert');
like($alert->{reasons} // '', qr/tls_changed/, '... with its reasons');
is($alert->{user}, 'alice', '... and its user');
my $session = $t->get("/guard/api/session?sid=$short", https => 1,
                      port => $port{HTTPS});
my $tl = eval { JSON::PP::decode_json($session->{body}) } || {};
is_deeply([map { $_->{kind} } @{ $tl->{events} || [] }], [qw(bind alert)],
          'its timeline: the binding at login, then the replay');

$r = $t->get('/', https => 1, port => $port{HTTPS}, tls_max => '1.2',
             cookie => "sid=$sid");
is($r->{status}, 302, 'elsewhere the thief is sent to log in again');
like($r->{headers}{'set-cookie'} // '', qr/^sid=; Max-Age=0/, 'and the cookie is expired');


kill 'INT', -$pid;
my $gone = $t->wait_until(sub { waitpid($pid, WNOHANG) == $pid }, timeout => 20);
ok($gone, 'Ctrl-C stops the demo');
ok($t->wait_until(sub {
    !grep { (IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $_,
                                   Timeout => 1)) } values %port
}, timeout => 10), 'nothing it started is still listening');

sub slurp { my ($f) = @_; return '' unless -f $f; local (@ARGV, $/) = $f; <> }

my $logs = join '', map { slurp("$root/build/demo/$_") }
                    qw(guard.log access.log error.log);
unlike($logs, qr/\Q$sid\E/, 'the raw cookie is not in the demo logs');
is_deeply([SGTest::bad_log_lines(slurp("$root/build/demo/error.log"))], [],
          "no alert/crit/emerg in the demo's error.log");

$t->done;
