# The place variables through real nginx: realip sets the client address
# from X-Real-IP (a test-only trust of 127.0.0.1), the module looks it up in
# the fixture databases, and every value must equal the fixture row it came
# from (SGTest::MMDB->rows, the input of the databases).  Then reloads: a
# changed database is served after a reload, a corrupt one is refused and the
# old data stays.  Last, MaxMind's own test databases, with expectations from
# their source JSON, when ../shared is present.
use strict;
use warnings;
use lib 't/lib';
use Test::More;
use Encode qw(encode);
use File::Path qw(make_path);
use File::Spec;
use File::Temp qw(tempdir);
use JSON::PP ();
use Socket qw(AF_INET AF_INET6 inet_pton inet_ntop);
use SGTest;
use SGTest::MMDB;

my $t = SGTest->new(module => 1);

my $dbdir = $t->path('mmdb');
make_path($dbdir, { mode => 0755 });
my $db = SGTest::MMDB->build($dbdir);
$t->define("DB_\U$_" => $db->{$_}) for qw(city asn anon conn);

my $body = 'return 200 "country=$session_guard_country|city=$session_guard_city'
         . '|asn=$session_guard_asn|class=$session_guard_ip_class'
         . '|reasons=$session_guard_ip_reasons|net=$session_guard_ip_net'
         . '|trusted=$session_guard_trusted\n";';

my $fixture_conf = <<"CONF";
    session_guard_geoip %%DB_CITY%%;
    session_guard_geoip %%DB_ASN%%;
    session_guard_geoip %%DB_ANON%%;
    session_guard_geoip %%DB_CONN%%;

    session_guard_trusted 198.51.100.224/27;
    session_guard_deny_country KP;
    session_guard_deny_asn AS64499;

    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;

        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;

        location / {
            $body
        }

        location /corp {
            session_guard_trusted 192.0.2.64/26;
            $body
        }

        location /wide {
            session_guard_density prefix4=16 prefix6=48;
            $body
        }
    }
CONF

$t->write_config($fixture_conf);
$t->start;

# ------------------------------------------------------------------ helpers

sub fields {
    my ($r) = @_;
    return { error => $r->{error} // "status $r->{status}" }
        unless $r->{status} && $r->{status} == 200;
    my $b = $r->{body};
    $b =~ s/\n\z//;
    return { map { split /=/, $_, 2 } split /\|/, $b };
}

sub ask {
    my ($ip, $path, %o) = @_;
    my @h = defined $ip ? ("X-Real-IP: $ip") : ();
    return fields($t->get($path // '/', headers => \@h, %o));
}

# The address $off past the start of a network.
sub host_in {
    my ($net, $off) = @_;
    my ($a) = split m{/}, $net;
    my $fam = $a =~ /:/ ? AF_INET6 : AF_INET;
    my @b = unpack 'C*', inet_pton($fam, $a);
    $b[-1] += $off;
    return inet_ntop($fam, pack 'C*', @b);
}

# The documented class order (docs/place.md), from a row's inputs.
sub class_of {
    my (%f) = @_;
    my %flag = map { $_ => 1 } @{ $f{flags} || [] };
    return 'tor' if $flag{tor};
    return 'vpn' if $flag{vpn};
    return 'proxy' if $flag{public_proxy} || $flag{residential_proxy};
    return 'hosting' if $flag{hosting};
    my $ct = $f{connection_type} // '';
    return 'cellular' if $ct eq 'Cellular';
    return 'residential' if $ct =~ /^(?:Cable\/DSL|Dialup|Satellite)$/;
    return 'business' if $ct eq 'Corporate';
    return 'unknown';
}

my %reason_of = (tor => 'tor_ip', vpn => 'vpn_ip', proxy => 'proxy_ip',
                 hosting => 'hosting_ip');

# UTF-8 bytes, cut like the module's 64-byte buffer: at most 63 bytes, on a
# character boundary.
sub capped {
    my ($s, $max) = @_;
    my $b = encode('UTF-8', $s);
    return $b if length $b <= $max;
    $b = substr $b, 0, $max;
    $b =~ s/[\x80-\xBF]*[\xC0-\xFF]\z//;
    return $b;
}

# The /24 (/56) or /16 (/48) around an address, as text.
sub net_of {
    my ($ip, $v4, $v6) = @_;
    my $fam = $ip =~ /:/ ? AF_INET6 : AF_INET;
    my $bits = $fam == AF_INET ? $v4 : $v6;
    my @b = unpack 'C*', inet_pton($fam, $ip);
    for my $i (0 .. $#b) {
        my $keep = $bits - 8 * $i;
        $b[$i] = $keep >= 8 ? $b[$i] : $keep <= 0 ? 0
               : $b[$i] & (0xff << (8 - $keep)) & 0xff;
    }
    return inet_ntop($fam, pack 'C*', @b) . "/$bits";
}

sub expect_row {
    my ($row, $ip, $path) = @_;
    my $class = class_of(%$row);
    my $trusted = $row->{network} eq '198.51.100.224/27'
        || ($path eq '/corp' && $row->{network} eq '192.0.2.64/26');
    my @reasons;
    unless ($trusted) {
        push @reasons, $reason_of{$class} if $reason_of{$class};
        push @reasons, 'denied_country' if $row->{country} eq 'KP';
        push @reasons, 'denied_asn' if $row->{asn} == 64499;
    }
    # enum order: hosting, vpn, proxy, tor, ..., denied_country, denied_asn
    my %order = (hosting_ip => 0, vpn_ip => 1, proxy_ip => 2, tor_ip => 3,
                 denied_country => 4, denied_asn => 5);
    @reasons = sort { $order{$a} <=> $order{$b} } @reasons;
    my ($v4, $v6) = $path eq '/wide' ? (16, 48) : (24, 56);
    return {
        country => $row->{country},
        city    => capped($row->{city} // "", 63),
        asn     => $row->{asn},
        class   => $class,
        reasons => join(',', @reasons),
        net     => net_of($ip, $v4, $v6),
        trusted => $trusted ? 1 : 0,
    };
}

my @rows = SGTest::MMDB->rows;

# ------------------------------------------------------ every fixture row

for my $row (@rows) {
    my $ip = host_in($row->{network}, 5);
    is_deeply(ask($ip), expect_row($row, $ip, '/'),
              "$row->{network} ($row->{scenario}): $ip");
}

my %by_net = map { $_->{network} => $_ } @rows;
my %name = (
    ny        => '198.51.100.0/25',
    stockholm => '203.0.113.0/25',
    hosting   => '192.0.2.0/26',
    vpn       => '192.0.2.64/26',
    tor       => '192.0.2.128/27',
    resi      => '192.0.2.160/27',
    corp      => '198.51.100.224/27',
    kp        => '192.0.2.192/26',
    v6        => '2001:db8:1200::/48',
);
for my $n (sort keys %name) {
    ok($by_net{ $name{$n} }, "fixture has the $n row") or next;
}

# the named cases, spelled out once so a fixture change cannot hide them
is(ask(host_in($name{ny}, 7))->{city}, 'New York', 'New York');
is(ask(host_in($name{stockholm}, 7))->{country}, 'SE', 'Stockholm');
is(ask(host_in($name{hosting}, 7))->{reasons}, 'hosting_ip,denied_asn',
   'hosting range, denied ASN');
is(ask(host_in($name{vpn}, 7))->{reasons}, 'vpn_ip', 'VPN');
is(ask(host_in($name{tor}, 7))->{reasons}, 'tor_ip', 'Tor');
is(ask(host_in($name{resi}, 7))->{reasons}, 'proxy_ip', 'residential proxy');
is(ask(host_in($name{kp}, 7))->{reasons}, 'denied_country', 'denied country');
is(ask(host_in($name{corp}, 7))->{trusted}, 1, 'trusted network');
is(ask(host_in($name{corp}, 7))->{reasons}, '', 'trusted: no reasons');
is(ask('2001:db8:1200:ab::7')->{net}, '2001:db8:1200::/56',
   'IPv6 density network is the /56');

# a location's own trusted list replaces the inherited one
my $vpn_ip = host_in($name{vpn}, 9);
is_deeply(ask($vpn_ip, '/corp'), expect_row($by_net{ $name{vpn} }, $vpn_ip,
                                            '/corp'),
          'VPN trusted in /corp');
my $corp_ip = host_in($name{corp}, 9);
is(ask($corp_ip, '/corp')->{trusted}, 0,
   'http-level trusted list replaced in /corp');

for my $ip (host_in($name{ny}, 9), '2001:db8:1200:ab::9') {
    is_deeply(ask($ip, '/wide'),
              expect_row($by_net{ $ip =~ /:/ ? $name{v6} : $name{ny} }, $ip,
                         '/wide'),
              "density prefixes of a location: $ip");
}

# not in any database, and the connection's own address
my $empty = { country => '', city => '', asn => '', class => '',
              reasons => '', trusted => 0 };
for my $ip ('10.1.2.3', '2001:db8:ffff::1', undef) {
    my $f = ask($ip);
    delete $f->{net};
    is_deeply($f, $empty, 'unknown address: empty: ' . ($ip // '127.0.0.1'));
}

# ------------------------------------ one connection, several addresses

my @seq = qw(ny stockholm ny tor);
my @addrs = map { host_in($name{$_}, 11) } @seq;
for my $proto ([http1 => ()], [http2 => (http2 => 1)]) {
    my ($label, %o) = @$proto;
    my @res = $t->get_many([map { ['/', headers => ["X-Real-IP: $_"]] }
                            @addrs], %o);
    is($res[0]{num_connects}, 1, "$label: one connection");
    is(scalar(grep { $_->{num_connects} == 0 } @res[1 .. $#res]), $#res,
       "$label: reused for the rest");
    for my $i (0 .. $#seq) {
        is(fields($res[$i])->{city}, $by_net{ $name{ $seq[$i] } }{city},
           "$label: request $i from $addrs[$i]");
    }
}

# ------------------------------------------------ reload with new data

my @changed = map { { %$_ } } @rows;
for my $r (@changed) {
    next unless $r->{network} eq $name{ny};
    $r->{city} = 'New Amsterdam';
    $r->{asn} = 64510;
    $r->{lat} = 40.70;
}
my $tmp = tempdir('fixture-XXXXXX', DIR => $t->prefix, CLEANUP => 0);
my $json = "$tmp/geo.json";
open my $fh, '>:raw', $json or die "$json: $!";
print {$fh} JSON::PP->new->utf8->encode({ rows => \@changed });
close $fh;

my $ny_ip = host_in($name{ny}, 20);
is(ask($ny_ip)->{city}, 'New York', 'before reload: old row');
SGTest::MMDB->build($dbdir, $json);
is(ask($ny_ip)->{city}, 'New York', 'file replaced, no reload: old row');
ok(eval { $t->reload }, 'reload with a changed database') or diag $@;
my $ny_changed = (grep { $_->{network} eq $name{ny} } @changed)[0];
is_deeply(ask($ny_ip), expect_row($ny_changed, $ny_ip, '/'),
          'after reload: the changed row');

# ------------------------------------- reload with a corrupt database

my $bad = "$db->{city}.bad";
open $fh, '>:raw', $bad or die "$bad: $!";
print {$fh} "this is not a MaxMind DB file\n" x 64;
close $fh;
chmod 0644, $bad;
rename $bad, $db->{city} or die "rename: $!";    # never truncate a mapped file

my $pid = $t->nginx_pid;
my @workers = $t->nginx_workers;
ok(!eval { $t->reload; 1 }, 'reload with a corrupt database is refused');
like($@, qr/sg-test-city\.mmdb/, 'refusal names the file');
like($t->error_log,
     qr/\[emerg\].*sg-test-city\.mmdb.*(?:invalid|metadata|corrupt|format)/i,
     'error.log says why');
is($t->nginx_pid, $pid, 'master still running');
is_deeply([sort $t->nginx_workers], [sort @workers], 'old workers kept');
is_deeply(ask($ny_ip), expect_row($ny_changed, $ny_ip, '/'),
          'old configuration and data still served');

# ------------------------------------------ MaxMind's test databases

my $mm = File::Spec->catdir(SGTest->root, '..', 'shared', 'testdata', 'mmdb');
SKIP: {
    skip "MaxMind test databases not present ($mm)", 1
        unless -f "$mm/GeoIP2-City-Test.mmdb" && -d "$mm/source-data";

    SGTest::MMDB->build($dbdir);    # repair, for a clean stop
    my %file = (city => 'GeoIP2-City-Test', asn => 'GeoLite2-ASN-Test',
                anon => 'GeoIP2-Anonymous-IP-Test',
                conn => 'GeoIP2-Connection-Type-Test');
    $t->define("MM_\U$_" => "$mm/$file{$_}.mmdb") for keys %file;
    (my $conf = $fixture_conf) =~ s/%%DB_(\w+)%%/%%MM_$1%%/g;
    $t->write_config($conf);
    ok(eval { $t->reload }, 'reload onto MaxMind test databases') or diag $@;

    my %src = map { $_ => load_source("$mm/source-data/$file{$_}.json") }
              keys %file;

    for my $ip ('216.160.83.56', '89.160.20.112', '81.2.69.142',
                '175.16.199.1', '1.2.0.1', '2001:480:10::1',
                '2a02:d180::1', '149.101.100.1', '67.43.156.1')
    {
        my $city = source_lookup($src{city}, $ip) || {};
        my $asn = source_lookup($src{asn}, $ip) || {};
        my $anon = source_lookup($src{anon}, $ip) || {};
        my $conn = source_lookup($src{conn}, $ip) || {};
        my @flags = grep { $anon->{"is_$_"} }
            qw(tor_exit_node anonymous_vpn public_proxy residential_proxy
               hosting_provider);
        s/^tor_exit_node$/tor/, s/^anonymous_vpn$/vpn/,
            s/^hosting_provider$/hosting/ for @flags;
        my $found = %$city || %$asn || %$anon || %$conn;
        my $class = $found
            ? class_of(flags => \@flags,
                       connection_type => $conn->{connection_type})
            : '';
        my $got = ask($ip);
        is($got->{country}, $city->{country}{iso_code} // '',
           "MaxMind $ip: country");
        is($got->{city}, encode('UTF-8', $city->{city}{names}{en} // ''),
           "MaxMind $ip: city");
        is($got->{asn}, $asn->{autonomous_system_number} // '',
           "MaxMind $ip: asn");
        is($got->{class}, $class, "MaxMind $ip: ip class");
    }
}

# ----------------------------------- the per-connection lookup cache
#
# A second nginx at debug level counts lookups: one per address change on a
# keep-alive or HTTP/2 connection, however many requests and variables.

my $d = SGTest->new(module => 1, debug => 1);
my $ddir = $d->path('mmdb');
make_path($ddir, { mode => 0755 });
$d->define(DB_CITY => SGTest::MMDB->build($ddir)->{city});
$d->write_config(<<'CONF');
    session_guard_geoip %%DB_CITY%%;
    server {
        listen 127.0.0.1:%%PORT_HTTP%%;
        listen 127.0.0.1:%%PORT_HTTPS%% ssl http2;
        ssl_certificate %%CERT%%;
        ssl_certificate_key %%KEY%%;
        ssl_protocols TLSv1.2 TLSv1.3;
        set_real_ip_from 127.0.0.1;
        real_ip_header X-Real-IP;
        location / {
            return 200 "$session_guard_city|$session_guard_country|$session_guard_asn\n";
        }
    }
CONF
$d->start;

# three addresses: New York .3, New York .4 three times, Stockholm twice
my @where = ('ny', ('ny') x 3, ('stockholm') x 2);
my @walk = (host_in($name{ny}, 3), (host_in($name{ny}, 4)) x 3,
            (host_in($name{stockholm}, 3)) x 2);
my $want = join '', map { my $r = $by_net{ $name{$_} };
                          "$r->{city}|$r->{country}|\n" } @where;
my $lookups = sub {
    return scalar(() = $d->error_log =~ /session_guard geo lookup/g);
};
for my $proto (['HTTP/1.1 keep-alive'], ['HTTP/2', http2 => 1]) {
    my ($label, %o) = @$proto;
    my $before = $lookups->();
    my @res = $d->get_many([map { ['/', headers => ["X-Real-IP: $_"]] }
                            @walk], %o);
    is(join('', map { $_->{body} } @res), $want, "$label: values per request");
    is($res[0]{num_connects}, 1, "$label: one connection");
    is($lookups->() - $before, 3, "$label: one lookup per address change");
}
$d->stop;
$d->check_error_log;
$d->teardown;

$t->done(allow => qr/sg-test-city\.mmdb/);



# The MaxMind source JSON: a list of { network => record }.  IPv4 networks
# appear as "a.b.c.d/n" or "::a.b.c.d/n+96"; all become 128-bit keys.
sub load_source {
    my ($file) = @_;
    open my $fh, '<:raw', $file or die "$file: $!";
    my $data = JSON::PP->new->utf8->decode(do { local $/; <$fh> });
    my @nets;
    for my $entry (@$data) {
        for my $net (keys %$entry) {
            my ($a, $len) = split m{/}, $net;
            my $bytes;
            if ($a =~ /:/) {
                $bytes = inet_pton(AF_INET6, $a);
            } else {
                $bytes = ("\0" x 12) . inet_pton(AF_INET, $a);
                $len += 96;
            }
            push @nets, [$bytes, $len, $entry->{$net}];
        }
    }
    return \@nets;
}

# The record of the longest network holding the address.
sub source_lookup {
    my ($nets, $ip) = @_;
    my $bytes = $ip =~ /:/ ? inet_pton(AF_INET6, $ip)
                           : ("\0" x 12) . inet_pton(AF_INET, $ip);
    my $bits = unpack 'B128', $bytes;
    my ($best, $best_len) = (undef, -1);
    for my $n (@$nets) {
        my ($nb, $len, $rec) = @$n;
        next unless $len > $best_len;
        next unless substr(unpack('B128', $nb), 0, $len)
                    eq substr($bits, 0, $len);
        ($best, $best_len) = ($rec, $len);
    }
    return $best;
}
