#pragma once
// Requests to the store and their answers on a store_connection, and the forwarder's strand.
// Private to src/net/http, included by forwarder.cpp only (Beast compiles slowly).
#include <algorithm>
#include <cstddef>
#include <type_traits>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "net/http/store_connection.hpp"

namespace lapord::net::http {

// The strand over the io_context's own executor when the forwarder is given one (the daemon
// does): strand<io_context::executor_type> is 24 bytes and fits in any_io_executor's own
// storage, where strand<any_io_executor> (64 bytes) made every any_io_executor built from it a
// heap allocation. Each operation's work guard and each completion builds one: ~16 mallocs
// and frees per forward on the pipeline thread (callgrind, docs/benchmarks.md).
inline boost::asio::any_io_executor strand_of(const boost::asio::any_io_executor& ex) {
  if (const auto* io = ex.target<boost::asio::io_context::executor_type>()) {
    return boost::asio::make_strand(*io);
  }
  return boost::asio::make_strand(ex);
}

// How much one read asks for: what the buffer has room for, but at least 4 KiB. Beast's
// read_size asks for the free capacity (at least 512 bytes), and a buffer consumed answer by
// answer keeps ~one answer's capacity: 8 pipelined answers (~270 bytes each from store-sim)
// then took 4 reads. 4 KiB holds a dozen; the buffer keeps that capacity per connection.
inline std::size_t answer_read_size(const boost::beast::flat_buffer& b) {
  const std::size_t limit = b.max_size() - b.size();
  return std::min<std::size_t>(std::max<std::size_t>(4096, b.capacity() - b.size()),
                               std::min<std::size_t>(65536, limit));
}

// The requests in c.request (one or several, pipelined), in one write where the socket takes
// them at once.
template <class Stream>
boost::asio::awaitable<boost::beast::error_code> write_to_store(Stream& stream,
                                                                store_connection& c) {
  namespace asio = boost::asio;
  constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);
  std::size_t sent = 0;
  if constexpr (std::is_same_v<Stream, asio::ip::tcp::socket>) {
    // The requests are small: the socket (non-blocking, see connect_store) takes them at once,
    // with no composed write, no post and no suspension. What it does not take goes as before.
    boost::system::error_code wec;
    sent = stream.write_some(asio::buffer(c.request), wec);
    if (wec && wec != asio::error::would_block) co_return wec;
  }
  if (sent < c.request.size()) {
    auto [wec, wn] = co_await asio::async_write(stream, asio::buffer(c.request) + sent, no_throw);
    if (wec) co_return wec;
  }
  co_return boost::beast::error_code{};
}

// The oldest unanswered request's answer, read as beast::http::async_read reads it (eager
// parser, the same read sizes, EOF mapped the same way), but with one co_await per read_some
// on the stream itself instead of Beast's two composed operations around it, each with its own
// work guard on the strand and its own completion hop. The parser stops at the end of the
// answer: what the store sent after it (the next pipelined answers) stays in c.buffer, and no
// read is made while the buffer holds a whole answer.
template <class Stream>
boost::asio::awaitable<boost::beast::error_code> read_store_answer(
    Stream& stream, store_connection& c,
    boost::beast::http::response_parser<boost::beast::http::string_body>& parser) {
  namespace asio = boost::asio;
  namespace bhttp = boost::beast::http;
  constexpr auto no_throw = asio::as_tuple(asio::use_awaitable);
  parser.eager(true);
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    if (c.buffer.size() != 0) {
      c.buffer.consume(parser.put(c.buffer.data(), ec));
      if (ec != bhttp::error::need_more) {
        if (ec) co_return ec;
        continue;
      }
      ec = {};
    }
    const std::size_t room = answer_read_size(c.buffer);
    if (room == 0) co_return bhttp::error::buffer_overflow;
    auto [rec, n] = co_await stream.async_read_some(c.buffer.prepare(room), no_throw);
    c.buffer.commit(n);
    if (rec == asio::error::eof) {
      if (!parser.got_some()) co_return bhttp::error::end_of_stream;
      parser.put_eof(ec);
      co_return ec;
    }
    if (rec) co_return rec;
  }
  co_return ec;
}

}  // namespace lapord::net::http
