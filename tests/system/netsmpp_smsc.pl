#!/usr/bin/perl
# A small SMSC built on Perl's Net::SMPP (Debian libnet-smpp-perl): an implementation of SMPP
# independent of lapord's own codec, so lapord's interoperability is checked against code we
# did not write. Used by tests/system/test_interop_netsmpp.py.
#
#   netsmpp_smsc.pl --port-file FILE --records FILE [--account ID:PASSWORD]
#                   [--mo SOURCE:DESTINATION:TEXT ...]
#
# Listens on 127.0.0.1 (a free port, written to --port-file), serves one connection at a time,
# answers binds (checking the account), enquire_link, submit_sm and unbind, and once a
# receiver-capable bind is up sends each --mo as a deliver_sm. Every event is one JSON line in
# --records. Exits on SIGTERM.
use strict;
use warnings;
use Getopt::Long;
use IO::Handle;
use JSON::PP;
use Net::SMPP;
use POSIX qw(strftime);
use Time::HiRes qw(time);

my ($port_file, $records_file, $account, @mos);
GetOptions('port-file=s' => \$port_file, 'records=s' => \$records_file,
           'account=s' => \$account, 'mo=s' => \@mos)
  or die "usage: $0 --port-file FILE --records FILE [--account ID:PW] [--mo SRC:DST:TEXT]\n";
die "--port-file and --records are required\n" unless $port_file && $records_file;
my ($want_id, $want_pw) = defined $account ? split(/:/, $account, 2) : (undef, undef);

open(my $records, '>>', $records_file) or die "cannot open $records_file: $!\n";
$records->autoflush(1);
my $json = JSON::PP->new->canonical;
sub record {
  my (%fields) = @_;
  my $t = time;
  $fields{time} = strftime('%Y-%m-%dT%H:%M:%S', gmtime($t)) . sprintf('.%06dZ', ($t - int($t)) * 1e6);
  print $records $json->encode(\%fields), "\n";
}

my $listener = Net::SMPP->new_listen('127.0.0.1', port => 0, smpp_version => 0x34)
  or die "cannot listen: $!\n";
my $port = $listener->sockport;
open(my $pf, '>', "$port_file.tmp") or die "cannot write $port_file.tmp: $!\n";
print $pf "$port\n";
close $pf;
rename("$port_file.tmp", $port_file) or die "cannot rename to $port_file: $!\n";
record(event => 'listening', port => $port);

my $stop = 0;
$SIG{TERM} = $SIG{INT} = sub { $stop = 1; record(event => 'stopping'); exit 0; };

my $message_id = 0;
my $conn_number = 0;
while (!$stop) {
  my $smpp = $listener->accept or next;
  $conn_number++;
  record(event => 'connect', conn => $conn_number);
  my $mo_sent = 0;
  while (my $pdu = $smpp->read_pdu()) {
    my $cmd = $pdu->{cmd};
    my $seq = $pdu->{seq};
    if ($cmd == Net::SMPP::CMD_bind_transceiver || $cmd == Net::SMPP::CMD_bind_receiver
        || $cmd == Net::SMPP::CMD_bind_transmitter) {
      my $ok = !defined $want_id || ($pdu->{system_id} eq $want_id && $pdu->{password} eq $want_pw);
      my $status = $ok ? 0 : 0x0E;  # ESME_RINVPASWD
      my $mode = $cmd == Net::SMPP::CMD_bind_transceiver ? 'transceiver'
               : $cmd == Net::SMPP::CMD_bind_receiver ? 'receiver' : 'transmitter';
      my $resp = $cmd == Net::SMPP::CMD_bind_transceiver ? 'bind_transceiver_resp'
               : $cmd == Net::SMPP::CMD_bind_receiver ? 'bind_receiver_resp' : 'bind_transmitter_resp';
      $smpp->$resp(seq => $seq, status => $status, system_id => 'netsmpp');
      record(event => 'bind', conn => $conn_number, mode => $mode, system_id => $pdu->{system_id},
             interface_version => $pdu->{interface_version}, status => $status);
      if ($ok && $mode ne 'transmitter' && !$mo_sent) {
        $mo_sent = 1;
        for my $mo (@mos) {
          my ($src, $dst, $text) = split(/:/, $mo, 3);
          my $mo_seq = $smpp->deliver_sm(async => 1, source_addr_ton => 1, source_addr_npi => 1,
                                         source_addr => $src, dest_addr_ton => 0,
                                         dest_addr_npi => 0, destination_addr => $dst,
                                         data_coding => 0, short_message => $text);
          record(event => 'deliver_sm', conn => $conn_number, seq => $mo_seq, source => $src,
                 destination => $dst, text => $text);
        }
      }
    } elsif ($cmd == Net::SMPP::CMD_deliver_sm_resp) {
      record(event => 'deliver_sm_resp', conn => $conn_number, seq => $seq,
             status => $pdu->{status});
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
      $smpp->enquire_link_resp(seq => $seq);
      record(event => 'enquire_link', conn => $conn_number, seq => $seq);
    } elsif ($cmd == Net::SMPP::CMD_submit_sm) {
      $message_id++;
      $smpp->submit_sm_resp(seq => $seq, message_id => "nsmpp-$message_id");
      record(event => 'submit_sm', conn => $conn_number, seq => $seq,
             source => $pdu->{source_addr}, destination => $pdu->{destination_addr},
             text => $pdu->{short_message}, message_id => "nsmpp-$message_id");
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
      $smpp->unbind_resp(seq => $seq);
      record(event => 'unbind', conn => $conn_number, seq => $seq);
      last;
    } else {
      # Anything else: generic_nack ESME_RINVCMDID, as an SMSC would.
      $smpp->generic_nack(seq => $seq, status => 0x03);
      record(event => 'unexpected', conn => $conn_number, command_id => sprintf('0x%08x', $cmd));
    }
  }
  record(event => 'disconnect', conn => $conn_number);
  close($smpp);
}
