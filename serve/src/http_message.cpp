#include <moat/serve/http_message.hpp>

namespace moat::serve {

HttpResponse json_response(int status, const nlohmann::json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  r.body += '\n';
  return r;
}

HttpResponse error_response(int status, std::string_view code, const std::string& message) {
  return json_response(status, {{"error", {{"code", std::string(code)}, {"message", message}}}});
}

int http_status_for(moat_status status) {
  switch (status) {
    case MOAT_E_INVALID:
      return 400;
    case MOAT_E_NOT_FOUND:
      return 404;
    case MOAT_E_CONFLICT:
      return 409;
    case MOAT_E_UNSUPPORTED:
      return 501;
    case MOAT_E_UNAVAILABLE:
      return 503;
    case MOAT_E_TIMEOUT:
      return 504;
    default:
      return 500;
  }
}

HttpResponse error_response(const moat::Error& error) {
  return error_response(http_status_for(error.status()), status_name(error.status()), error.what());
}

}  // namespace moat::serve
