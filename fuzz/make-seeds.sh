#!/bin/sh
# Writes the reference ClientHellos of ../shared as libFuzzer seed files
# (raw handshake message bytes, one file per record) into $1.
# Without ../shared (a user's clone) it says so and writes nothing.

set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi

here=$(cd "$(dirname "$0")" && pwd)
shared=${SG_SHARED:-$here/../../shared}
jsonl=$shared/testdata/tls/clienthellos.jsonl

if [ ! -r "$jsonl" ]; then
    echo "make-seeds: $jsonl not found; no seeds written"
    exit 0
fi

mkdir -p "$1"

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

    print "make-seeds: wrote $n seed files to $dir\n";
' "$jsonl" "$1"
