#!/usr/bin/perl
# An ESME built on Perl's Net::SMPP (Debian libnet-smpp-perl): an implementation independent
# of lapord's codec, used by tests/system/test_smsc_sim.py to check smsc-sim from the outside.
#
#   net_smpp_esme.pl HOST PORT SYSTEM_ID PASSWORD MODE ACTION...
#
# MODE: transceiver, transmitter or receiver. It binds, prints one JSON line per event and runs
# the actions in order:
#   enquire                      enquire_link, prints its resp status
#   enquire_async                sends enquire_link without waiting for the resp
#   submit:DEST:TEXT[:OP]        submit_sm from 1708 (with ussd_service_op OP if given)
#   data:DEST:TEXT               data_sm with the text in message_payload
#   receive:N[:STATUS]           reads N deliver_sm, answering each with STATUS (default 0)
#   noanswer:N                   reads N deliver_sm and answers none of them
#   expect_eof:SECONDS           waits until the SMSC closes the connection (or prints timeout)
#   read:SECONDS                 reads one PDU, prints its header (for faults), or timeout
#   unbind                       unbind, prints its resp status
#   wait_file:PATH               waits (up to 20 s) until PATH exists: the test's go-ahead
# then closes the socket (without unbind unless asked).
use strict;
use warnings;
use Net::SMPP;
use JSON::PP;
use IO::Select;

$| = 1;
my ($host, $port, $system_id, $password, $mode, @actions) = @ARGV;
my $json = JSON::PP->new->canonical;
sub out { print $json->encode($_[0]), "\n"; }

my $ctor = $mode eq 'receiver' ? 'new_receiver' : $mode eq 'transmitter' ? 'new_transmitter'
         : 'new_transceiver';
my ($smpp, $resp) = Net::SMPP->$ctor($host, port => $port, system_id => $system_id,
                                     password => $password, timeout => 5);
if (!$smpp) { out({op => 'connect_failed'}); exit 1; }
if (!$resp) { out({op => 'bind_failed', error => ${*$smpp}{smpperror} // ''}); exit 1; }
out({op => 'bind_resp', status => $resp->{status}, system_id => $resp->{system_id} // ''});
exit 0 if $resp->{status} != 0;

sub readable {
    my ($seconds) = @_;
    return IO::Select->new($smpp)->can_read($seconds);
}

# Reads the next PDU, answering enquire_link on the way; undef on EOF or a framing error.
sub next_pdu {
    my ($seconds) = @_;
    while (1) {
        return 'timeout' unless readable($seconds);
        my $pdu = $smpp->read_pdu();
        return undef unless $pdu;
        if ($pdu->{cmd} == 0x00000015) { $smpp->enquire_link_resp(seq => $pdu->{seq}); next; }
        return $pdu;
    }
}

sub tlvs_of {
    my ($pdu) = @_;
    my %t;
    for my $k (keys %$pdu) { $t{$k} = unpack('H*', $pdu->{$k}) if $k =~ /^\d+$/; }
    return \%t;
}

for my $action (@actions) {
    my ($name, @args) = split /:/, $action, 4;
    if ($name eq 'enquire') {
        my $r = $smpp->enquire_link();
        out({op => 'enquire_link_resp', status => $r ? $r->{status} : -1});
    } elsif ($name eq 'enquire_async') {
        my $seq = $smpp->enquire_link(async => 1);
        out({op => 'enquire_link_sent', seq => $seq});
    } elsif ($name eq 'submit') {
        my ($dest, $text, $op) = @args;
        my @opt = defined $op ? (ussd_service_op => pack('C', $op)) : ();
        my $r = $smpp->submit_sm(source_addr => '1708', destination_addr => $dest,
                                 short_message => $text, @opt);
        out({op => 'submit_sm_resp', status => $r ? $r->{status} : -1,
             message_id => $r ? ($r->{message_id} // '') : ''});
    } elsif ($name eq 'data') {
        my ($dest, $text) = @args;
        my $r = $smpp->data_sm(source_addr => '1708', destination_addr => $dest,
                               message_payload => $text);
        out({op => 'data_sm_resp', status => $r ? $r->{status} : -1,
             message_id => $r ? ($r->{message_id} // '') : ''});
    } elsif ($name eq 'receive' || $name eq 'noanswer') {
        my ($n, $status) = @args;
        $status //= 0;
        for (1 .. $n) {
            my $pdu = next_pdu(10);
            if (!defined $pdu) { out({op => 'eof'}); exit 0; }
            if (!ref $pdu) { out({op => 'timeout'}); exit 0; }
            if ($pdu->{cmd} != 0x00000005) { out({op => 'unexpected', cmd => $pdu->{cmd}}); next; }
            out({op => 'deliver_sm', seq => $pdu->{seq}, source => $pdu->{source_addr},
                 destination => $pdu->{destination_addr}, esm_class => $pdu->{esm_class},
                 data_coding => $pdu->{data_coding},
                 short_message_hex => unpack('H*', $pdu->{short_message} // ''),
                 tlvs => tlvs_of($pdu)});
            $smpp->deliver_sm_resp(seq => $pdu->{seq}, status => $status, message_id => '')
                if $name eq 'receive';
        }
    } elsif ($name eq 'expect_eof') {
        my $deadline = time + $args[0];
        my $eof = 0;
        while (time <= $deadline) {
            next unless readable(0.2);
            my $buf;
            my $n = sysread($smpp, $buf, 65536);
            if (!$n) { $eof = 1; last; }
        }
        out({op => $eof ? 'eof' : 'timeout'});
    } elsif ($name eq 'read') {
        if (!readable($args[0])) { out({op => 'timeout'}); next; }
        my $header = '';
        my $n = sysread($smpp, $header, 16);
        if (!$n) { out({op => 'eof'}); next; }
        my ($len, $cmd, $status, $seq) = unpack('NNNN', $header . ("\0" x 16));
        out({op => 'header', command_length => $len, command_id => $cmd, status => $status,
             seq => $seq, bytes => $n});
        if ($len > 16 && $len < 65536) { my $rest; sysread($smpp, $rest, $len - 16); }
    } elsif ($name eq 'wait_file') {
        my $deadline = time + 20;
        select(undef, undef, undef, 0.02) while !-e $args[0] && time <= $deadline;
        out({op => -e $args[0] ? 'go' : 'timeout'});
    } elsif ($name eq 'unbind') {
        my $r = $smpp->unbind();
        out({op => 'unbind_resp', status => $r ? $r->{status} : -1});
    } else {
        die "unknown action $action\n";
    }
}
close $smpp;
