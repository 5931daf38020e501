package SGTest::MMDB;

# Builds session_guard's test databases from t/fixtures/geo.json:
#
#   sg-test-city.mmdb   GeoIP2-City layout      (database_type SG-Test-City)
#   sg-test-asn.mmdb    GeoLite2-ASN layout     (SG-Test-ASN)
#   sg-test-anon.mmdb   GeoIP2-Anonymous-IP     (SG-Test-Anonymous-IP)
#   sg-test-conn.mmdb   GeoIP2-Connection-Type  (SG-Test-Connection-Type)
#
#   my $db = SGTest::MMDB->build($dir);   # { city => path, asn => ..., ... }
#   my @rows = SGTest::MMDB->rows;        # the fixture rows, for expectations
#
# Each file is written beside its final name and renamed into place, so a
# rebuild never leaves a half-written database for a running nginx.

use strict;
use warnings;

use File::Basename qw(dirname);
use File::Spec;
use JSON::PP ();
use MaxMind::DB::Writer::Tree;

my %flag_key = (
    vpn               => 'is_anonymous_vpn',
    hosting           => 'is_hosting_provider',
    public_proxy      => 'is_public_proxy',
    residential_proxy => 'is_residential_proxy',
    tor               => 'is_tor_exit_node',
);

my %types = (
    country                        => 'map',
    city                           => 'map',
    location                       => 'map',
    names                          => 'map',
    iso_code                       => 'utf8_string',
    en                             => 'utf8_string',
    latitude                       => 'double',
    longitude                      => 'double',
    accuracy_radius                => 'uint16',
    time_zone                      => 'utf8_string',
    autonomous_system_number       => 'uint32',
    autonomous_system_organization => 'utf8_string',
    connection_type                => 'utf8_string',
    provider_name                  => 'utf8_string',
    is_anonymous                   => 'boolean',
    (map { $_ => 'boolean' } values %flag_key),
);

sub fixture {
    return File::Spec->catfile(dirname(__FILE__), '..', '..', 'fixtures',
        'geo.json');
}

sub rows {
    my ($class, $file) = @_;
    $file //= fixture();
    open my $fh, '<:raw', $file or die "cannot read $file: $!\n";
    my $json = do { local $/; <$fh> };
    close $fh;
    my $data = JSON::PP->new->utf8->decode($json);
    for my $r (@{ $data->{rows} }) {
        for my $f (@{ $r->{flags} }) {
            die "$file: $r->{network}: unknown flag \"$f\"\n"
                unless $flag_key{$f};
        }
    }
    return @{ $data->{rows} };
}

sub _city {
    my ($r) = @_;
    # a country-level record (MaxMind's for many carrier and satellite
    # ranges) has the country's centre and no city at all
    return {
        country  => { iso_code => $r->{country} },
        (defined $r->{city} ? (city => { names => { en => $r->{city} } }) : ()),
        location => {
            latitude        => $r->{lat} + 0,
            longitude       => $r->{lon} + 0,
            accuracy_radius => $r->{accuracy},
            time_zone       => $r->{time_zone},
        },
    };
}

sub _asn {
    my ($r) = @_;
    return {
        autonomous_system_number       => $r->{asn},
        autonomous_system_organization => $r->{org},
    };
}

sub _anon {
    my ($r) = @_;
    return undef unless @{ $r->{flags} };
    # MaxMind stores only the flags that are true
    my %rec = (is_anonymous => 1, map { $flag_key{$_} => 1 } @{ $r->{flags} });
    $rec{provider_name} = $r->{provider} if defined $r->{provider};
    return \%rec;
}

sub _conn {
    my ($r) = @_;
    return undef unless defined $r->{connection_type};
    return { connection_type => $r->{connection_type} };
}

my @dbs = (
    [ city => 'sg-test-city.mmdb', 'SG-Test-City',            28, \&_city ],
    [ asn  => 'sg-test-asn.mmdb',  'SG-Test-ASN',             24, \&_asn ],
    [ anon => 'sg-test-anon.mmdb', 'SG-Test-Anonymous-IP',    24, \&_anon ],
    [ conn => 'sg-test-conn.mmdb', 'SG-Test-Connection-Type', 24, \&_conn ],
);

sub build {
    my ($class, $dir, $file) = @_;
    die "usage: SGTest::MMDB->build(DIR [, FIXTURE])\n" unless defined $dir;
    die "$dir: not a directory\n" unless -d $dir;

    my @rows = $class->rows($file);
    my %path;

    for my $db (@dbs) {
        my ($name, $base, $type, $record_size, $make) = @$db;

        my $tree = MaxMind::DB::Writer::Tree->new(
            ip_version            => 6,
            record_size           => $record_size,
            database_type         => $type,
            languages             => ['en'],
            description           => { en => "session_guard test data ($type)" },
            map_key_type_callback => sub { $types{ $_[0] } },
            # documentation ranges are reserved: keep them
            remove_reserved_networks => 0,
            alias_ipv6_to_ipv4       => 1,
        );

        for my $r (@rows) {
            my $rec = $make->($r);
            $tree->insert_network($r->{network}, $rec) if $rec;
        }

        my $out = File::Spec->catfile($dir, $base);
        my $tmp = "$out.tmp$$";
        open my $fh, '>:raw', $tmp or die "cannot write $tmp: $!\n";
        $tree->write_tree($fh);
        close $fh or die "cannot close $tmp: $!\n";
        rename $tmp, $out or die "cannot rename $tmp to $out: $!\n";

        $path{$name} = $out;
    }

    return \%path;
}

1;
