#!/bin/sh
# Writes the generated libFuzzer seeds into OUTDIR/NAME/ (the seeds that
# are text live in fuzz/seeds/NAME/ instead):
# - clienthello: the reference ClientHellos of ../shared (raw handshake
#   message bytes, one file per record); without ../shared (a user's clone)
#   it says so and writes none;
# - reply: the replies of the session and density scripts, in the element
#   encoding fuzz/sg_fuzz.h reads (sg_fuzz_reply_elts);
# - volume: the volume script's replies, likewise.

set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
shared=${SG_SHARED:-$here/../../shared}
jsonl=$shared/testdata/tls/clienthellos.jsonl

mkdir -p "$1/clienthello" "$1/reply" "$1/volume"

# Element encoding: type byte 0 nil, 1 integer (8 bytes little-endian),
# 2 string (length byte, bytes).
perl -e '
    use strict;
    use warnings;

    my ($dir, $vdir) = @ARGV;
    sub nil { return "\0" }
    sub int64 { return "\1" . pack("q<", shift) }
    sub str { my $s = shift; return "\2" . chr(length $s) . $s }

    my $dev = "d1:chrome:124:windows:0:en:0f:";
    my %seeds = (
        "done" => int64(2),
        "revoked" => int64(3),
        "first-sight" => int64(0) . int64(1) . int64(0),
        "first-sight-provisional" => int64(0) . str("0") . str("1"),
        "seen" => join("", int64(1), str($dev), str("s1_t13_8daaf6152771"),
            str("203.0.113.7"), str("1700000000"), str("12"),
            str("1700000000"), str("0"), str("alice%40example.com"),
            str("1699990000"), str("FR:3215:4886:235:20:0:1699990000"),
            str("DE:3320:5252:1340:50:0:1700000000"), nil(),
            str("; Path=/; Secure")),
        "seen-sparse" => join("", int64(1), str($dev), nil(), nil(),
            int64(1700000000), int64(1), int64(0), int64(0), nil(),
            int64(1699990000), nil(), nil(), str("1"), nil()),
        "density" => int64(3) . int64(2) . int64(2) . int64(1),
        "density-strings" => str("17") . str("5") . str("16") . str("5"),
    );

    # {b, r, o, b0, r0, o0}: after the request, then before it.
    my %volume = (
        "first" => join("", map { int64($_) } 5120, 1, 1, 0, 0, 0),
        "crossing" => join("", map { int64($_) }
            104857700, 31, 12, 104857000, 30, 11),
        "no-objects" => join("", map { int64($_) } 900, 4, 0, 800, 3, 0),
        "strings" => join("", map { str($_) } "2048", "2", "1", "1024",
            "1", "1"),
        "with-user" => join("", int64(1700000000), int64(3600),
            int64(1), int64(0), int64(0), int64(0),
            str("alice%40example.com")),
    );

    for my $set ([$dir, \%seeds], [$vdir, \%volume]) {
        my ($d, $s) = @$set;
        for my $name (keys %$s) {
            open(my $out, ">:raw", "$d/$name.bin")
                or die "make-seeds: $d/$name.bin: $!\n";
            print $out $s->{$name};
            close($out) or die "make-seeds: $d/$name.bin: $!\n";
        }
    }
' "$1/reply" "$1/volume"

if [ ! -r "$jsonl" ]; then
    echo "make-seeds: $jsonl not found; no ClientHello seeds written"
    exit 0
fi

perl -e '
    use strict;
    use warnings;

    my ($jsonl, $dir) = @ARGV;
    my $n = 0;

    open(my $in, "<", $jsonl) or die "make-seeds: $jsonl: $!\n";

    while (my $line = <$in>) {
        my ($pcap) = $line =~ /"pcap":"([^"\\]*)"/;
        my ($frame) = $line =~ /"frame":(\d+)/;
        my ($hex) = $line =~ /"client_hello_hex":"([0-9a-fA-F]*)"/;

        die "make-seeds: unreadable record at line $.\n"
            unless defined $pcap && defined $frame && defined $hex
                   && length($hex) % 2 == 0;

        (my $name = "$pcap-$frame") =~ s/[^A-Za-z0-9._-]/_/g;
        open(my $out, ">:raw", "$dir/$name.bin")
            or die "make-seeds: $dir/$name.bin: $!\n";
        print $out pack("H*", $hex);
        close($out) or die "make-seeds: $dir/$name.bin: $!\n";
        $n++;
    }

    print "make-seeds: wrote $n ClientHello seed files to $dir\n";
' "$jsonl" "$1/clienthello"
