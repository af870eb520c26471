#pragma once
// Encode and decode whole PDUs as pure functions over byte spans.
//
// decode() is liberal where SMPP 3.4 and real carriers allow it: any command_status value,
// sequence_number 0, a *_resp without body, C-Octet Strings longer than the spec's maximum (as
// long as they end inside the PDU), unknown TLVs (kept), trailing octets after a body that has
// no TLV section (ignored). It never reads outside the span.
// encode() is strict: a field over its SMPP 3.4 maximum is an error (codec_error::field_too_long
// etc.), never truncated; on error `out` is left as it was.

#include <cstdint>
#include <optional>
#include <span>
#include <system_error>
#include <vector>

#include "lapord/smpp/codec_error.hpp"
#include "lapord/smpp/pdu.hpp"

namespace lapord::smpp {

// The header of a PDU from its first 16 octets; nullopt if fewer are given. No validation.
std::optional<pdu_header> read_header(std::span<const std::uint8_t> bytes);

// Decodes exactly one PDU: `frame` must be the whole PDU (command_length == frame.size(), as
// the framer yields it). On error `out` is unspecified.
[[nodiscard]] std::error_code decode(std::span<const std::uint8_t> frame, pdu& out);

// Appends the encoded PDU (command_length filled in) to `out`.
[[nodiscard]] std::error_code encode(const pdu& p, std::vector<std::uint8_t>& out);
// The same from a PDU's parts: the session encodes a body it was given without copying it into
// a pdu first.
[[nodiscard]] std::error_code encode(const pdu_body& body, command_status status,
                                     std::uint32_t sequence, std::vector<std::uint8_t>& out);
// The same for a submit_sm the caller keeps (an MT waiting for its response): not moved into
// a pdu_body and back.
[[nodiscard]] std::error_code encode(const submit_sm& body, command_status status,
                                     std::uint32_t sequence, std::vector<std::uint8_t>& out);

}  // namespace lapord::smpp
