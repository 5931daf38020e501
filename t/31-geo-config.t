# The place directives: every bad form fails `nginx -t` with a message that
# names the problem, the file and the line; a missing or corrupt database
# names the file and libmaxminddb's reason.  MaxMind's deliberately broken
# databases (../shared, when present) are either refused by `nginx -t` or,
# where libmaxminddb only notices at lookup, served without a crash.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use File::Path qw(make_path);
use File::Spec;
use SGTest;
use SGTest::MMDB;

my $t = SGTest->new(module => 1);

my $dbdir = $t->path('mmdb');
make_path($dbdir, { mode => 0755 });
my $db = SGTest::MMDB->build($dbdir);
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);
$t->write_file('garbage.mmdb', "not a database\n" x 100);
$t->write_file('empty.mmdb', '');

my $vars = 'return 200 "country=$session_guard_country|city=$session_guard_city'
         . '|asn=$session_guard_asn|class=$session_guard_ip_class'
         . '|reasons=$session_guard_ip_reasons|net=$session_guard_ip_net'
         . '|trusted=$session_guard_trusted\n";';

sub server {
    my ($inner) = @_;
    $inner //= '';
    return <<"CONF";
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        $inner
        location / { $vars }
    }
CONF
}

my $line = qr/ in \S+nginx\.conf:\d+/;

my @cases = (
    [ 'good configuration',
      "session_guard_geoip %%DB_CITY%%;\nsession_guard_geoip %%DB_ASN%%;\n"
      . "session_guard_geoip %%DB_ANON%%;\nsession_guard_geoip %%DB_CONN%%;\n"
      . "session_guard_trusted 10.0.0.0/8 2001:db8::/32 192.0.2.1;\n"
      . "session_guard_trusted 198.51.100.224/27;\n"
      . "session_guard_deny_country KP ir;\nsession_guard_deny_asn AS64496 64497;\n"
      . "session_guard_travel max_speed=800 floor=300 hop_window=2h;\n"
      . "session_guard_density window=7d users=5 sessions=127 prefix6=48 prefix4=22;\n",
      server("session_guard_travel floor=0; session_guard_density users=2;"
             . " session_guard_trusted 203.0.113.0/24;"),
      undef ],
    [ 'relative database path, from the prefix',
      "session_guard_geoip mmdb/sg-test-city.mmdb;\n", server(), undef ],
    [ 'missing database',
      "session_guard_geoip %%PREFIX%%/nope.mmdb;\n", server(),
      qr/cannot open "\S+\/nope\.mmdb": .*(?:No such file|opening)[^\n]*$line/i ],
    [ 'corrupt database',
      "session_guard_geoip %%PREFIX%%/garbage.mmdb;\n", server(),
      qr/cannot open "\S+\/garbage\.mmdb": .*invalid metadata[^\n]*$line/i ],
    [ 'empty database',
      "session_guard_geoip %%PREFIX%%/empty.mmdb;\n", server(),
      qr/cannot open "\S+\/empty\.mmdb": [^\n]*$line/ ],
    [ 'too many databases',
      "session_guard_geoip %%DB_CITY%%;\n" x 17, server(),
      qr/more than 16 databases[^\n]*$line/ ],
    [ 'database in a server block',
      '', server("session_guard_geoip %%DB_CITY%%;"),
      qr/"session_guard_geoip" directive is not allowed here$line/ ],
    [ 'database without a name',
      "session_guard_geoip;\n", server(),
      qr/invalid number of arguments in "session_guard_geoip" directive$line/ ],
    [ 'network: prefix too long',
      "session_guard_trusted 10.0.0.0/33;\n", server(),
      qr/invalid network "10\.0\.0\.0\/33"$line/ ],
    [ 'network: not an address',
      '', server("session_guard_trusted banana;"),
      qr/invalid network "banana"$line/ ],
    [ 'network: IPv6 prefix too long',
      "session_guard_trusted 2001:db8::/129;\n", server(),
      qr/invalid network "2001:db8::\/129"$line/ ],
    [ 'trusted without networks',
      "session_guard_trusted;\n", server(),
      qr/invalid number of arguments in "session_guard_trusted" directive$line/ ],
    [ 'country: three letters',
      "session_guard_deny_country USA;\n", server(),
      qr/invalid country code "USA"[^\n]*$line/ ],
    [ 'country: a digit',
      '', server("session_guard_deny_country K1;"),
      qr/invalid country code "K1"[^\n]*$line/ ],
    [ 'asn: not a number',
      "session_guard_deny_asn ASx;\n", server(),
      qr/invalid AS number "ASx"$line/ ],
    [ 'asn: zero',
      "session_guard_deny_asn 0;\n", server(),
      qr/invalid AS number "0"$line/ ],
    [ 'asn: above 32 bits',
      "session_guard_deny_asn 4294967296;\n", server(),
      qr/invalid AS number "4294967296"$line/ ],
    [ 'asn: negative',
      "session_guard_deny_asn -5;\n", server(),
      qr/invalid AS number "-5"$line/ ],
    [ 'travel: speed not a number',
      "session_guard_travel max_speed=fast;\n", server(),
      qr/invalid parameter "max_speed=fast"$line/ ],
    [ 'travel: zero speed',
      "session_guard_travel max_speed=0;\n", server(),
      qr/invalid parameter "max_speed=0"$line/ ],
    [ 'travel: negative floor',
      '', server("session_guard_travel floor=-1;"),
      qr/invalid parameter "floor=-1"$line/ ],
    [ 'travel: unknown parameter',
      "session_guard_travel speed=5;\n", server(),
      qr/invalid parameter "speed=5"$line/ ],
    [ 'travel: bad hop window',
      "session_guard_travel hop_window=soon;\n", server(),
      qr/invalid parameter "hop_window=soon"$line/ ],
    [ 'travel: duplicate',
      "session_guard_travel floor=1;\nsession_guard_travel floor=2;\n", server(),
      qr/"session_guard_travel" directive is duplicate$line/ ],
    [ 'travel: no parameters',
      "session_guard_travel;\n", server(),
      qr/invalid number of arguments in "session_guard_travel" directive$line/ ],
    [ 'density: zero window',
      "session_guard_density window=0;\n", server(),
      qr/invalid parameter "window=0"$line/ ],
    [ 'density: bad window',
      "session_guard_density window=x;\n", server(),
      qr/invalid parameter "window=x"$line/ ],
    [ 'density: zero users',
      "session_guard_density users=0;\n", server(),
      qr/invalid parameter "users=0"$line/ ],
    [ 'density: sessions not a number',
      '', server("session_guard_density sessions=abc;"),
      qr/invalid parameter "sessions=abc"$line/ ],
    [ 'density: users above what a full set can tell',
      "session_guard_density users=128;\n", server(),
      qr/invalid parameter "users=128": at most 127$line/ ],
    [ 'density: sessions above what a full set can tell',
      '', server("session_guard_density sessions=1000;"),
      qr/invalid parameter "sessions=1000": at most 127$line/ ],
    [ 'density: prefix4 too long',
      "session_guard_density prefix4=33;\n", server(),
      qr/invalid parameter "prefix4=33"$line/ ],
    [ 'density: prefix6 too long',
      "session_guard_density prefix6=129;\n", server(),
      qr/invalid parameter "prefix6=129"$line/ ],
    [ 'density: prefix6 zero',
      "session_guard_density prefix6=0;\n", server(),
      qr/invalid parameter "prefix6=0"$line/ ],
    [ 'density: unknown parameter',
      "session_guard_density colour=blue;\n", server(),
      qr/invalid parameter "colour=blue"$line/ ],
    [ 'density: duplicate',
      "session_guard_density users=4;\nsession_guard_density users=5;\n",
      server(),
      qr/"session_guard_density" directive is duplicate$line/ ],
);

for my $c (@cases) {
    my ($name, $http, $srv, $expect) = @$c;
    $t->write_config($http . $srv);
    my ($ok, $out) = $t->nginx_t;
    if (defined $expect) {
        ok(!$ok, "$name: nginx -t fails");
        like($out, $expect, "$name: message names the problem and the line");
    } else {
        ok($ok, "$name: nginx -t passes") or diag $out;
    }
}

# host bits: accepted, with a warning naming the line
$t->write_config("session_guard_trusted 10.1.2.3/8;\n" . server());
my ($ok, $out) = $t->nginx_t;
ok($ok, 'network with host bits: nginx -t passes') or diag $out;
like($out, qr/\[warn\].*network "10\.1\.2\.3\/8" has host bits set, they are ignored$line/,
     'network with host bits: warned');

# ---------------------------------------------------- no database at all

$t->write_config("session_guard_trusted 192.0.2.0/24;\n" . server());
$t->start;
my $r = $t->get('/', headers => ['X-Real-IP: 192.0.2.7']);
is($r->{body}, "country=|city=|asn=|class=|reasons=|net=192.0.2.0/24"
               . "|trusted=1\n", 'no database: place variables empty');
$r = $t->get('/', headers => ['X-Real-IP: 2001:db8:12:34::1']);
is($r->{body}, "country=|city=|asn=|class=|reasons=|net=2001:db8:12::/56"
               . "|trusted=0\n", 'no database: IPv6');
$t->stop_nginx;

# ------------------------------------- MaxMind's broken databases

my $bad = File::Spec->catdir(SGTest->root, '..', 'shared', 'testdata',
                             'mmdb', 'bad');
my @bad = -d $bad ? sort glob("$bad/*.mmdb") : ();
SKIP: {
    skip "MaxMind's bad test databases not present ($bad)", 1 unless @bad;

    for my $file (@bad) {
        (my $base = $file) =~ s{.*/}{};
        $t->define(BAD => $file);
        $t->write_config("session_guard_geoip %%BAD%%;\n" . server());
        my ($ok, $out) = $t->nginx_t;

        if (!$ok) {
            like($out, qr/cannot open "\Q$file\E": \S[^\n]*$line/,
                 "$base: refused, naming the file and the reason");
            next;
        }

        # opens: libmaxminddb notices (if at all) at lookup time
        my $log_before = length $t->error_log;
        ok(eval { $t->start; 1 }, "$base: opens, nginx starts") or do {
            diag $@;
            next;
        };
        my @ips = ('1.1.1.1', '81.2.69.160', '216.160.83.56', '::1.2.3.4',
                   '2001:db8::1', '10.0.0.1');
        my @res = map { $t->get('/', headers => ["X-Real-IP: $_"]) } @ips;
        is(scalar(grep { $_->{status} == 200 } @res), scalar @ips,
           "$base: every request answered");
        my $log = substr $t->error_log, $log_before;
        unlike($log, qr/exited on signal|\[alert\]|\[crit\]/,
               "$base: no worker crash");
        $t->stop_nginx;
    }
}

$t->done;
