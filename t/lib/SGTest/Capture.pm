package SGTest::Capture;

# Packet capture on loopback with tshark, and the TLS clients the TLS tests
# drive through it.
#
#   my $why = SGTest::Capture->missing;            # undef when usable
#   my $cap = SGTest::Capture->start($t, port => $t->port('HTTPS'));
#   ... run clients ...
#   $cap->stop;
#   my @h = $cap->client_hellos;   # in capture order
#   # each: { stream, port, hex, ja3, ja3_full, ext => [types], seq }
#
#   my $fp = SGTest::Capture::tlsfp($t, $hex);    # build/sg-tlsfp's fields
#
# Clients, each bounded in time and run in a process group of its own:
# s_client(), gnutls_cli(), chromium_dom(), run_group(); echoed() reads the
# fields a test server echoes; have('prog') finds a program.
#
# start() returns only once tshark is demonstrably capturing: its "Capturing
# on" line is on stderr, the capture file has its header, and a probe
# connection to the port shows up in the file.  Every wait is bounded.

use strict;
use warnings;

use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP ();
use POSIX qw(WNOHANG _exit);
use Time::HiRes qw(time sleep);

use SGTest ();

my $TSHARK = '/usr/bin/tshark';
my $seq = 0;


# Why capturing cannot work here, or undef.  (Whether this user may capture
# on lo shows only when start() tries: it dies with tshark's message.)
sub missing {
    my $tshark = have('tshark') or return 'tshark not installed';
    $TSHARK = $tshark;
    return undef;
}

sub start {
    my ($class, $t, %o) = @_;
    my $port = $o{port} or die "SGTest::Capture: no port\n";
    my $n = ++$seq;
    my $self = bless {
        t     => $t,
        port  => $port,
        file  => $t->path("capture-$n.pcapng"),
        err   => $t->path("capture-$n.err"),
    }, $class;

    $self->{pid} = _spawn([$TSHARK, '-i', 'lo', '-f', "tcp port $port",
                           '-q', '-w', $self->{file}],
                          stderr => $self->{err});

    # The "Capturing on" line and the pcapng header: dumpcap has opened the
    # interface with the filter and the file.
    my $ready = $t->wait_until(sub {
        die "tshark exited\n" unless _running($self->{pid});
        return (-s $self->{file} // 0) > 0
            && ($t->read_file($self->{err}) // '') =~ /Capturing on/;
    }, timeout => 10);

    # A probe connection must show up in the file: then packets are really
    # being captured and written, not merely about to be.
    $ready &&= $t->wait_until(sub { $self->mark(timeout => 2) },
                              timeout => 8, interval => 0);

    unless ($ready) {
        my $err = $t->read_file($self->{err}) // '';
        $self->_halt;
        die "SGTest::Capture: tshark did not start capturing on lo "
            . "(port $port):\n$err";
    }
    return $self;
}

sub file { $_[0]{file} }

# mark(timeout => S): opens and closes a connection to the port and waits
# until tshark has written it to the file.  Packets reach the file in
# blocks, not one by one: once the mark is there, so is everything before
# it.  True when it showed up in time.
sub mark {
    my ($self, %o) = @_;
    my $t = $self->{t};
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                  PeerPort => $self->{port}, Timeout => 1)
        or return 0;
    my $from = $s->sockport;
    close $s;
    return $t->wait_until(sub {
        my ($st, $out) = $t->run_cmd(
            [$TSHARK, '-r', $self->{file}, '-Y', "tcp.srcport == $from",
             '-T', 'fields', '-e', 'frame.number'], timeout => 5);
        return $out =~ /\d/;
    }, timeout => $o{timeout} // 5, interval => 0.1);
}

# Waits for a mark (so that every packet so far is in the file), then
# SIGINT makes tshark close the file; then TERM, then KILL.
sub stop {
    my ($self) = @_;
    my $pid = $self->{pid} or return;
    $self->{complete} = _running($pid) ? $self->mark(timeout => 5) : 0;
    return $self->_halt;
}

sub _halt {
    my ($self) = @_;
    my $pid = delete $self->{pid} or return;
    for my $step (['INT', 5], ['TERM', 2], ['KILL', 2]) {
        last unless _running($pid);
        kill $step->[0], $pid;
        my $deadline = time + $step->[1];
        sleep 0.02 while _running($pid) && time < $deadline;
    }
    waitpid $pid, WNOHANG;
    return 1;
}

sub DESTROY {
    my ($self) = @_;
    local ($?, $@, $!);
    $self->_halt;
}

# True when the stop mark reached the file: the capture has everything.
sub complete { $_[0]{complete} }

# The ClientHellos in the capture, in capture order.
#
# The bytes come from tshark's own dissection: `-T json -x` adds, for every
# field, a "<field>_raw" array [hex, offset, length, ...] of the bytes the
# field covers in its data source.  For "tls.handshake" that is the whole
# handshake message from its type byte, taken from the reassembled TLS
# stream when the hello spans several TCP segments or TLS records, so it is
# exactly what OpenSSL hands to a message callback.  The length in the
# message header is checked against the bytes, so a truncated dissection
# cannot pass for a hello.  JA3 and JA3 full string are tshark's own
# (`tls.handshake.ja3`, `tls.handshake.ja3_full`) from the same packet.
sub client_hellos {
    my ($self) = @_;
    return @{ $self->{hellos} } if $self->{hellos};
    die "SGTest::Capture: stop the capture first\n" if $self->{pid};

    my $t = $self->{t};
    my ($st, $out, $err, $to) = $t->run_cmd(
        [$TSHARK, '-r', $self->{file}, '-d', "tcp.port==$self->{port},tls",
         '-Y', 'tls.handshake.type == 1', '-T', 'json', '-x',
         '--no-duplicate-keys', '-J', 'tcp tls'], timeout => 30);
    die "SGTest::Capture: tshark -r failed ($st): $err" if $st != 0 || $to;

    my $packets = length $out ? JSON::PP::decode_json($out) : [];
    my (@hellos, %count);
    for my $p (@$packets) {
        my $l = $p->{_source}{layers} || {};
        my $tcp = ref $l->{tcp} eq 'ARRAY' ? $l->{tcp}[0] : $l->{tcp};
        my @found;
        _collect($l->{tls}, \@found);
        for my $f (@found) {
            my ($hex, $tree) = @$f;
            next unless $hex =~ /^01/;
            my $declared = hex substr($hex, 2, 6);
            die "SGTest::Capture: ClientHello of $tcp->{'tcp.srcport'} has "
                . (length($hex) / 2) . " bytes, header says "
                . ($declared + 4) . "\n"
                if length($hex) != 2 * ($declared + 4);
            my @ext;
            _values($tree, 'tls.handshake.extension.type', \@ext);
            push @hellos, {
                stream   => $tcp->{'tcp.stream'},
                port     => $tcp->{'tcp.srcport'},
                hex      => $hex,
                ja3      => _first($tree, 'tls.handshake.ja3'),
                ja3_full => _first($tree, 'tls.handshake.ja3_full'),
                ext      => \@ext,
                seq      => $count{ $tcp->{'tcp.stream'} }++,
            };
        }
    }
    $self->{hellos} = \@hellos;
    return @hellos;
}

# The first ClientHello of each client port (a HelloRetryRequest makes a
# second one on the same connection).
sub first_hello_by_port {
    my ($self) = @_;
    my %h;
    for my $c ($self->client_hellos) {
        $h{ $c->{port} } //= $c;
    }
    return \%h;
}

# Pairs each "tls.handshake_raw" with its "tls.handshake" tree; with
# --no-duplicate-keys several handshakes in one record become arrays.
sub _collect {
    my ($node, $out) = @_;
    if (ref $node eq 'ARRAY') {
        _collect($_, $out) for @$node;
        return;
    }
    return unless ref $node eq 'HASH';
    if (my $raw = $node->{'tls.handshake_raw'}) {
        my @raw = ref $raw->[0] ? @$raw : ($raw);
        my $tree = $node->{'tls.handshake'};
        my @tree = ref $tree eq 'ARRAY' ? @$tree : ($tree);
        push @$out, [$raw[$_][0], $tree[$_] || {}] for 0 .. $#raw;
    }
    for my $k (keys %$node) {
        next if $k eq 'tls.handshake' || $k =~ /_raw$/;
        _collect($node->{$k}, $out);
    }
}

sub _values {
    my ($node, $key, $out) = @_;
    if (ref $node eq 'ARRAY') {
        _values($_, $key, $out) for @$node;
    } elsif (ref $node eq 'HASH') {
        for my $k (sort keys %$node) {
            next if $k =~ /_raw$/;
            if ($k eq $key) {
                my $v = $node->{$k};
                push @$out, ref $v ? @$v : $v;
            } else {
                _values($node->{$k}, $key, $out);
            }
        }
    }
}

sub _first {
    my ($node, $key) = @_;
    my @v;
    _values($node, $key, \@v);
    return $v[0];
}


# ------------------------------------------------------------ the parser

# build/sg-tlsfp on one ClientHello (hex from the type byte): a hashref of
# ja4, ja4_r, ja4_o, ja4_ro, ja3, ja3_string, tls; undef on a parse error.
sub tlsfp_path { SGTest->root . '/build/sg-tlsfp' }

sub tlsfp {
    my ($t, $hex) = @_;
    my ($st, $out) = $t->run_cmd([tlsfp_path()], stdin => "$hex\n",
                                 timeout => 10);
    return undef if $st != 0;
    return { map { /^(\w+)=(.*)$/ ? ($1, $2) : () } split /\n/, $out };
}


# --------------------------------------------------------------- clients

# run_group($t, [argv], timeout => S, stdin => $bytes): runs a client in a
# process group of its own, so that a browser and its helper processes all
# go when it is done or out of time.  Returns ($stdout, $stderr, $status,
# $timed_out).
sub run_group {
    my ($t, $cmd, %o) = @_;
    my $dir = tempdir('client-' . ('X' x 6), DIR => $t->prefix,
                      CLEANUP => 0);
    chmod 0755, $dir;
    my ($in, $out, $err) = map { "$dir/$_" } qw(in out err);
    open my $fh, '>:raw', $in or die "write $in: $!";
    print {$fh} $o{stdin} // '';
    close $fh;

    my $pid = _spawn($cmd, stdin => $in, stdout => $out, stderr => $err,
                     group => 1, env => $o{env});
    my $deadline = time + ($o{timeout} // 10);
    my ($status, $timed_out);
    while (1) {
        my $r = waitpid $pid, WNOHANG;
        if ($r == $pid) { $status = $? >> 8; last }
        if ($r == -1) { $status = -1; last }
        if (time >= $deadline) {
            $timed_out = 1;
            kill 'KILL', -$pid;
            waitpid $pid, 0;
            $status = -1;
            last;
        }
        sleep 0.02;
    }
    # helpers left behind in the group (a browser's renderer or zygote)
    kill 'KILL', -$pid if kill 0, -$pid;
    _reap_strays($o{strays}) if $o{strays};

    return ($t->read_file($out) // '', $t->read_file($err) // '',
            $status, $timed_out);
}

# The fields a test server echoes between "sg-begin" and "sg-end" lines,
# from any client's output (HTML-wrapped by a browser's --dump-dom).
sub echoed {
    my ($text) = @_;
    return undef unless defined $text
        && $text =~ /(?:^|>)sg-begin\r?\n(.*?)^sg-end/ms;
    my $block = $1;
    for ($block) { s/&amp;/&/g; s/&lt;/</g; s/&gt;/>/g; s/&quot;/"/g }
    return { map { /^(\w+)=(.*?)\r?$/ ? ($1, $2) : () } split /\n/, $block };
}

# openssl s_client: one HTTP/1.1 request, `Connection: close`, stdin is
# the request.  Options: port, sni (undef: -noservername), args => [...],
# request => $bytes.  Returns ($output, $stderr, $status).
sub s_client {
    my ($t, %o) = @_;
    my @a = ('openssl', 's_client', '-connect',
             '127.0.0.1:' . $t->port($o{port} // 'HTTPS'), '-ign_eof');
    push @a, defined $o{sni} ? ('-servername', $o{sni}) : '-noservername';
    push @a, @{ $o{args} || [] };
    my $req = $o{request}
        // "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    my ($out, $err, $st) = run_group($t, \@a, stdin => $req,
                                     timeout => $o{timeout} // 10);
    return ($out, $err, $st);
}

# gnutls-cli, --insecure, one request.  Options: port, sni, priority.
sub gnutls_cli {
    my ($t, %o) = @_;
    my @a = ('gnutls-cli', '--insecure', '--port',
             $t->port($o{port} // 'HTTPS'));
    push @a, '--sni-hostname', $o{sni} if defined $o{sni};
    push @a, '--priority', $o{priority} if $o{priority};
    push @a, '127.0.0.1';
    my $req = $o{request}
        // "GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    return run_group($t, \@a, stdin => $req, timeout => $o{timeout} // 10);
}

# Headless Chromium's DOM of one page.  Returns ($dom, $stderr, $status).
sub chromium_dom {
    my ($t, $url, %o) = @_;
    my $bin = have('chromium') or return;
    my $profile = tempdir('chromium-' . ('X' x 6), DIR => $t->prefix,
                          CLEANUP => 0);
    # its own HOME: the crash handler keeps a database under ~/.config
    my @a = ($bin, '--headless', '--no-sandbox', '--disable-gpu',
             '--disable-quic', '--no-first-run',
             '--disable-background-networking', '--disable-component-update',
             '--disable-sync', "--user-data-dir=$profile",
             '--ignore-certificate-errors', @{ $o{args} || [] },
             '--dump-dom', $url);
    return run_group($t, \@a, timeout => $o{timeout} // 25,
                     env => { HOME => $profile, XDG_CONFIG_HOME => $profile,
                              XDG_CACHE_HOME => $profile },
                     strays => qr/^chrom/);
}


# ------------------------------------------------------------------ utils

sub _spawn {
    my ($cmd, %o) = @_;
    my $pid = fork;
    die "SGTest::Capture: fork: $!" unless defined $pid;
    return $pid if $pid;
    eval {
        setpgrp(0, 0) if $o{group};
        @ENV{ keys %{ $o{env} } } = values %{ $o{env} } if $o{env};
        open STDIN, '<', $o{stdin} // '/dev/null' or die;
        open STDOUT, '>', $o{stdout} // '/dev/null' or die;
        open STDERR, '>', $o{stderr} // '/dev/null' or die;
        exec { $cmd->[0] } @$cmd;
    };
    _exit(127);
}

# Chromium's crash handler leaves the process group and, orphaned, becomes
# a child of this process (the harness makes it a subreaper): reap those
# whose name matches, by pid; those still running once the browser is gone
# have nothing left to watch and get 0.3 s before a KILL.
sub _reap_strays {
    my ($name) = @_;
    my $deadline = time + 0.3;
    while (1) {
        my @left;
        opendir my $dh, '/proc' or return;
        for my $p (grep { /^\d+$/ } readdir $dh) {
            open my $fh, '<', "/proc/$p/stat" or next;
            my $stat = <$fh> // next;
            my ($comm, $state, $ppid) = $stat =~ /^\d+ \((.*)\) (\S) (\d+)/
                or next;
            next unless $ppid == $$ && $comm =~ $name;
            if ($state eq 'Z') {
                waitpid $p, WNOHANG;
            } else {
                push @left, $p;
            }
        }
        return unless @left;
        if (time >= $deadline) {
            kill 'KILL', @left;
            waitpid $_, 0 for @left;
            return;
        }
        sleep 0.05;
    }
}

sub _running {
    my ($pid) = @_;
    return 0 if waitpid($pid, WNOHANG) == $pid;
    return kill 0, $pid;
}

# The path of a program on PATH, or undef.
sub have {
    my ($prog) = @_;
    for my $d (split /:/, $ENV{PATH} // '/usr/bin:/bin') {
        return "$d/$prog" if -x "$d/$prog";
    }
    return undef;
}

1;
