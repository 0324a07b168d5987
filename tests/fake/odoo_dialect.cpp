#include "fake/odoo_dialect.h"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <climits>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/json_writer.h"

namespace crm::fake {

std::string odoo_time(int64_t ms) {
  std::string iso = format_iso8601_seconds(from_ms(ms));
  iso[10] = ' ';
  iso.pop_back();
  return iso;
}

namespace {

constexpr size_t kChunk = 500;  // records read from the Dataset per step of a scan
constexpr std::string_view kModel = "res.partner";

// The res.partner fields this fake knows (a real database has ~100 more).
constexpr std::array<std::string_view, 16> kFields = {
    "id",   "name",   "display_name", "email", "phone",      "mobile",      "is_company", "parent_id",
    "type", "active", "company_name", "commercial_company_name", "vat", "ref", "write_date", "create_date"};

bool known_field(std::string_view f) { return std::find(kFields.begin(), kFields.end(), f) != kFields.end(); }

// A Python exception raised inside Odoo, as the JSON-RPC error member carries it.
struct Fault {
  std::string name;
  std::string message;
};

Fault value_error(std::string m) { return {"builtins.ValueError", std::move(m)}; }

// Odoo's Datetime.to_datetime: "YYYY-MM-DD HH:MM:SS" or a bare "YYYY-MM-DD"; anything else
// fails like strptime does.
std::optional<int64_t> parse_odoo_time(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    for (size_t i = from; i < from + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  bool date_ok = s.size() >= 10 && digits(0, 4) && s[4] == '-' && digits(5, 2) && s[7] == '-' && digits(8, 2);
  if (s.size() == 10 && date_ok) {
    auto t = parse_iso8601(s);
    if (t) return to_ms(*t);
  }
  if (s.size() == 19 && date_ok && s[10] == ' ' && digits(11, 2) && s[13] == ':' && digits(14, 2) && s[16] == ':' &&
      digits(17, 2)) {
    auto t = parse_iso8601(s);
    if (t) return to_ms(*t);
  }
  return std::nullopt;
}

// One domain value, copied out of the parsed request.
struct Value {
  enum Type { null, boolean, integer, text, list } type = null;
  bool b = false;
  int64_t i = 0;
  std::string s;
  std::vector<Value> items;
};

std::string python_repr(const Value& v) {
  switch (v.type) {
    case Value::null: return "None";
    case Value::boolean: return v.b ? "True" : "False";
    case Value::integer: return fmt::format("{}", v.i);
    case Value::text: return fmt::format("'{}'", v.s);
    case Value::list: {
      std::string out = "[";
      for (size_t k = 0; k < v.items.size(); ++k) out += (k ? ", " : "") + python_repr(v.items[k]);
      return out + "]";
    }
  }
  return "";
}

Value to_value(simdjson::dom::element e) {
  Value v;
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::BOOL: v.type = Value::boolean; v.b = e.get_bool().value_unsafe(); break;
    case T::INT64: v.type = Value::integer; v.i = e.get_int64().value_unsafe(); break;
    case T::UINT64: v.type = Value::integer; v.i = static_cast<int64_t>(e.get_uint64().value_unsafe()); break;
    case T::DOUBLE: v.type = Value::integer; v.i = static_cast<int64_t>(e.get_double().value_unsafe()); break;
    case T::STRING: v.type = Value::text; v.s = std::string(e.get_string().value_unsafe()); break;
    case T::ARRAY: {
      v.type = Value::list;
      simdjson::dom::array arr;
      if (!e.get_array().get(arr))
        for (auto x : arr) v.items.push_back(to_value(x));
      break;
    }
    default: break;
  }
  return v;
}

// A parsed domain: nodes in a vector, the root last.
struct Node {
  char op = 'L';  // '&', '|', '!', or 'L' for a leaf
  int a = -1, b = -1;
  std::string field, cmp;
  Value value;
  std::optional<int64_t> time;  // write_date leaves: the value parsed
};

struct Domain {
  std::vector<Node> nodes;
  int root = -1;  // -1: the empty domain (everything)
  bool names(std::string_view field) const {
    return std::any_of(nodes.begin(), nodes.end(), [&](const Node& n) { return n.op == 'L' && n.field == field; });
  }
};

constexpr std::array<std::string_view, 14> kOps = {"=", "!=", "<", "<=", ">", ">=", "in", "not in",
                                                   "like", "ilike", "=like", "=ilike", "not like", "not ilike"};

std::optional<Fault> check_leaf(Node& n) {
  std::string leaf = fmt::format("('{}', '{}', {})", n.field, n.cmp, python_repr(n.value));
  if (std::find(kOps.begin(), kOps.end(), n.cmp) == kOps.end())
    return value_error(fmt::format("Invalid leaf {}", leaf));
  if (!known_field(n.field)) return value_error(fmt::format("Invalid field {}.{} in leaf {}", kModel, n.field, leaf));
  static constexpr std::array<std::string_view, 8> kFilterable = {"id", "write_date", "active", "is_company",
                                                                   "name", "email", "phone", "type"};
  if (std::find(kFilterable.begin(), kFilterable.end(), n.field) == kFilterable.end())
    return value_error(fmt::format("crm-fake: filtering on '{}' is not supported (only id, write_date, active, "
                                   "is_company, name, email, phone, type)", n.field));
  if (n.field == "write_date" && n.value.type == Value::text) {
    n.time = parse_odoo_time(n.value.s);
    if (!n.time)
      return value_error(fmt::format("time data '{}' does not match format '%Y-%m-%d %H:%M:%S'", n.value.s));
  }
  return std::nullopt;
}

// Polish notation: "&" and "|" take the next two terms, "!" the next one; the top-level
// terms are ANDed.
struct DomainParser {
  simdjson::dom::array items;
  size_t pos = 0;
  size_t size = 0;
  Domain d;
  std::optional<Fault> fault;

  int term() {
    if (pos >= size) {
      fault = value_error("Domain is missing a term after an operator");
      return -1;
    }
    simdjson::dom::element e = items.at(pos++).value_unsafe();
    std::string_view op;
    if (!e.get_string().get(op)) {
      if (op != "&" && op != "|" && op != "!") {
        fault = value_error(fmt::format("Invalid domain term '{}'", op));
        return -1;
      }
      Node n;
      n.op = op[0];
      n.a = term();
      if (n.a < 0) return -1;
      if (n.op != '!') {
        n.b = term();
        if (n.b < 0) return -1;
      }
      d.nodes.push_back(n);
      return static_cast<int>(d.nodes.size() - 1);
    }
    simdjson::dom::array leaf;
    std::string_view field, cmp;
    if (e.get_array().get(leaf) || leaf.size() != 3 || leaf.at(0).get_string().get(field) ||
        leaf.at(1).get_string().get(cmp)) {
      fault = value_error(fmt::format("Invalid leaf {}", simdjson::minify(e)));
      return -1;
    }
    Node n;
    n.field = std::string(field);
    n.cmp = std::string(cmp);
    n.value = to_value(leaf.at(2).value_unsafe());
    if ((fault = check_leaf(n))) return -1;
    d.nodes.push_back(std::move(n));
    return static_cast<int>(d.nodes.size() - 1);
  }

  std::optional<Fault> parse(simdjson::dom::element e) {
    if (e.is_null()) return std::nullopt;
    if (e.get_array().get(items)) return value_error("a domain must be a list");
    size = items.size();
    while (pos < size) {
      int t = term();
      if (t < 0) return fault;
      if (d.root < 0) {
        d.root = t;
      } else {
        Node n;
        n.op = '&';
        n.a = d.root;
        n.b = t;
        d.nodes.push_back(n);
        d.root = static_cast<int>(d.nodes.size() - 1);
      }
    }
    return std::nullopt;
  }
};

std::string text_field(const FakeRecord& r, std::string_view f) {
  if (f == "name") return r.full_name;
  if (f == "email") return r.email;
  if (f == "phone") return r.phone;
  if (f == "type") return "contact";
  return {};
}

std::string lower(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

template <class T>
bool compare(const T& a, std::string_view op, const T& b) {
  if (op == "=") return a == b;
  if (op == "!=") return a != b;
  if (op == "<") return a < b;
  if (op == "<=") return a <= b;
  if (op == ">") return a > b;
  if (op == ">=") return a >= b;
  return false;
}

bool eval_leaf(const Node& n, const FakeRecord& r) {
  const Value& v = n.value;
  if (n.cmp == "in" || n.cmp == "not in") {
    bool found = false;
    for (const Value& x : v.items) {
      Node one = n;
      one.cmp = "=";
      one.value = x;
      one.time = x.type == Value::text && n.field == "write_date" ? parse_odoo_time(x.s) : std::nullopt;
      if (eval_leaf(one, r)) found = true;
    }
    return n.cmp == "in" ? found : !found;
  }
  if (n.field == "id") return v.type == Value::integer && compare<int64_t>(static_cast<int64_t>(r.id), n.cmp, v.i);
  if (n.field == "write_date") {
    if (v.type == Value::boolean && !v.b) return n.cmp == "!=";  // write_date is never empty here
    return n.time && compare<int64_t>(r.modified_ms, n.cmp, *n.time);
  }
  if (n.field == "active" || n.field == "is_company") {
    bool have = n.field == "active" ? r.active : r.company;
    bool want = v.type == Value::boolean ? v.b : v.i != 0;
    return n.cmp == "=" ? have == want : n.cmp == "!=" ? have != want : false;
  }
  std::string have = text_field(r, n.field);
  if (v.type == Value::boolean && !v.b) return n.cmp == "=" ? have.empty() : n.cmp == "!=" ? !have.empty() : false;
  if (v.type != Value::text) return false;
  if (n.cmp == "ilike") return lower(have).find(lower(v.s)) != std::string::npos;
  if (n.cmp == "not ilike") return lower(have).find(lower(v.s)) == std::string::npos;
  if (n.cmp == "like") return have.find(v.s) != std::string::npos;
  if (n.cmp == "not like") return have.find(v.s) == std::string::npos;
  if (n.cmp == "=ilike") return lower(have) == lower(v.s);
  if (n.cmp == "=like") return have == v.s;
  return compare<std::string>(have, n.cmp, v.s);
}

bool eval(const Domain& d, int node, const FakeRecord& r) {
  if (node < 0) return true;
  const Node& n = d.nodes[static_cast<size_t>(node)];
  switch (n.op) {
    case '&': return eval(d, n.a, r) && eval(d, n.b, r);
    case '|': return eval(d, n.a, r) || eval(d, n.b, r);
    case '!': return !eval(d, n.a, r);
    default: return eval_leaf(n, r);
  }
}

// The leaves every matching record must satisfy (the top-level conjunction).
void conjuncts(const Domain& d, int node, std::vector<const Node*>& out) {
  if (node < 0) return;
  const Node& n = d.nodes[static_cast<size_t>(node)];
  if (n.op == '&') {
    conjuncts(d, n.a, out);
    conjuncts(d, n.b, out);
  } else if (n.op == 'L') {
    out.push_back(&n);
  }
}

// Where a scan may start: the lower bounds the top-level conjunction puts on write_date
// and id (INT64_MIN / 0 when there is none).
int64_t since_bound(const Domain& d) {
  std::vector<const Node*> leaves;
  conjuncts(d, d.root, leaves);
  int64_t since = INT64_MIN;
  for (const Node* n : leaves)
    if (n->field == "write_date" && n->time && (n->cmp == ">=" || n->cmp == ">" || n->cmp == "="))
      since = std::max(since, *n->time);
  return since;
}

uint64_t id_bound(const Domain& d) {
  std::vector<const Node*> leaves;
  conjuncts(d, d.root, leaves);
  uint64_t after = 0;
  for (const Node* n : leaves)
    if (n->field == "id" && n->value.type == Value::integer && n->value.i > 0) {
      if (n->cmp == ">") after = std::max(after, static_cast<uint64_t>(n->value.i));
      if (n->cmp == ">=" || n->cmp == "=") after = std::max(after, static_cast<uint64_t>(n->value.i) - 1);
    }
  return after;
}

void render_field(JsonWriter& w, const FakeRecord& r, std::string_view f) {
  auto text = [&](const std::string& s) {
    if (s.empty()) w.value(false);
    else w.value(s);
  };
  w.key(f);
  if (f == "id") w.value(static_cast<int64_t>(r.id));
  else if (f == "name" || f == "display_name") text(r.full_name);
  else if (f == "email") text(r.email);
  else if (f == "phone") text(r.phone);
  else if (f == "is_company") w.value(r.company);
  else if (f == "type") w.value("contact");
  else if (f == "active") w.value(r.active);
  else if (f == "company_name") text(r.company ? std::string() : r.company_name);
  else if (f == "commercial_company_name") text(r.company ? r.full_name : r.company_name);
  else if (f == "write_date") w.value(odoo_time(r.modified_ms));
  else if (f == "create_date") w.value(odoo_time(std::min(r.modified_ms, seeded_modified_ms(r.id))));
  else w.value(false);  // mobile, parent_id, vat, ref
}

// One execute_kw search: domain, order, offset, limit, fields, context.
struct Search {
  Domain domain;
  bool by_write_date = false;
  uint64_t offset = 0;
  std::optional<uint64_t> limit;
  std::vector<std::string> fields;  // empty: all
};

std::string id_json(simdjson::dom::element root) {
  simdjson::dom::element id;
  if (root["id"].get(id)) return "null";
  return simdjson::minify(id);
}

std::string envelope_result(const std::string& id, std::string_view result_json) {
  return fmt::format(R"({{"jsonrpc": "2.0", "id": {}, "result": {}}})", id, result_json);
}

std::string envelope_error(const std::string& id, const Fault& f) {
  std::string data;
  JsonWriter w(data);
  std::string short_name = f.name.substr(f.name.rfind('.') == std::string::npos ? 0 : f.name.rfind('.') + 1);
  w.begin_object().field("name", f.name);
  w.field("debug", fmt::format("Traceback (most recent call last):\n  File \"/usr/lib/python3/dist-packages/odoo/http.py\", "
                               "line 1958, in _serve_db\n    return service_model.retrying(self._serve_ir_http, self.env)\n"
                               "{}: {}\n", short_name, f.message));
  w.field("message", f.message);
  w.key("arguments").begin_array().value(f.message).end_array();
  w.key("context").begin_object().end_object();
  w.end_object();
  return fmt::format(R"({{"jsonrpc": "2.0", "id": {}, "error": {{"code": 200, "message": "Odoo Server Error", "data": {}}}}})",
                     id, data);
}

ServerResponse html(int status, std::string_view title, std::string_view text) {
  ServerResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
  r.body = fmt::format("<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
                       "<p>{1}</p>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                       title, text);
  return r;
}

std::optional<std::vector<uint64_t>> id_list(simdjson::dom::element e) {
  std::vector<uint64_t> ids;
  int64_t one = 0;
  if (!e.get_int64().get(one)) return std::vector<uint64_t>{static_cast<uint64_t>(one)};
  simdjson::dom::array arr;
  if (e.get_array().get(arr)) return std::nullopt;
  for (auto x : arr) {
    if (x.get_int64().get(one) || one <= 0) return std::nullopt;
    ids.push_back(static_cast<uint64_t>(one));
  }
  return ids;
}

using Args = std::optional<simdjson::dom::array>;     // execute_kw's positional args
using Kwargs = std::optional<simdjson::dom::object>;  // and its keyword args

class Call {
 public:
  Call(Dataset& data, const TokenIssuer& tokens) : data_(data), tokens_(tokens) {}

  // The result JSON of one call, or the exception Odoo would raise.
  std::variant<std::string, Fault> run(simdjson::dom::object params) {
    std::string_view service, method;
    simdjson::dom::array args;
    if (params["service"].get_string().get(service) || params["method"].get_string().get(method))
      return Fault{"builtins.TypeError", "dispatch_rpc() missing required positional arguments: 'service_name' and 'method'"};
    if (params["args"].get_array().get(args)) return Fault{"builtins.TypeError", "args must be a list"};
    if (service == "common") return common(method, args);
    if (service == "object") {
      if (method != "execute_kw" && method != "execute")
        return Fault{"builtins.NameError", fmt::format("Method not available {}", method)};
      return execute_kw(args);
    }
    return Fault{"builtins.Exception", fmt::format("No such service: {}", service)};
  }

 private:
  bool revoked() const { return tokens_.revoked(); }
  bool secret_ok(std::string_view s) const { return !revoked() && (s == kOdooPassword || s == kOdooApiKey); }

  std::variant<std::string, Fault> common(std::string_view method, simdjson::dom::array args) {
    if (method == "version")
      return std::string(R"({"server_version": "17.0", "server_version_info": [17, 0, 0, "final", 0, ""], )"
                         R"("server_serie": "17.0", "protocol_version": 1})");
    if (method != "authenticate" && method != "login")
      return Fault{"builtins.NameError", fmt::format("Method not available {}", method)};
    std::string_view db, login, password;
    if (args.size() < 3 || args.at(0).get_string().get(db) || args.at(1).get_string().get(login) ||
        args.at(2).get_string().get(password))
      return Fault{"builtins.TypeError", "authenticate() missing required positional arguments"};
    if (db != kOdooDb) return no_database(db);
    if (login != kOdooLogin || !secret_ok(password)) return std::string("false");
    return fmt::format("{}", kOdooUid);
  }

  static Fault no_database(std::string_view db) {
    return {"psycopg2.OperationalError",
            fmt::format("connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  "
                        "database \"{}\" does not exist\n", db)};
  }

  std::variant<std::string, Fault> execute_kw(simdjson::dom::array args) {
    std::string_view db, password, model, method;
    int64_t uid = 0;
    if (args.size() < 5 || args.at(0).get_string().get(db) || args.at(2).get_string().get(password) ||
        args.at(3).get_string().get(model) || args.at(4).get_string().get(method))
      return Fault{"builtins.TypeError", "execute_kw() missing required positional arguments"};
    if (db != kOdooDb) return no_database(db);
    if (args.at(1).get_int64().get(uid) || uid != kOdooUid || !secret_ok(password))
      return Fault{"odoo.exceptions.AccessDenied", "Access Denied"};
    if (model != kModel) return Fault{"builtins.KeyError", fmt::format("'{}'", model)};
    Args pos;
    Kwargs kw;
    simdjson::dom::array a;
    simdjson::dom::object o;
    if (args.size() > 5) {
      if (args.at(5).get_array().get(a)) return Fault{"builtins.TypeError", "args must be a list"};
      pos = a;
    }
    if (args.size() > 6) {
      if (args.at(6).get_object().get(o)) return Fault{"builtins.TypeError", "kwargs must be a dict"};
      kw = o;
    }
    if (method == "search_read" || method == "search" || method == "search_count") return search(method, pos, kw);
    if (method == "read") return read(pos, kw);
    if (method == "write") return write(pos);
    if (method == "unlink") return unlink(pos);
    return Fault{"builtins.AttributeError",
                 fmt::format("The method '{}' does not exist on the model '{}'", method, model)};
  }

  // An argument by position (args) or by name (kwargs); kwargs win.
  static std::optional<simdjson::dom::element> arg(Args pos, Kwargs kw, size_t i, std::string_view name) {
    simdjson::dom::element e;
    if (kw && !(*kw)[name].get(e)) return e;
    if (pos && pos->size() > i) return pos->at(i).value_unsafe();
    return std::nullopt;
  }

  std::optional<Fault> read_fields(std::optional<simdjson::dom::element> e, std::vector<std::string>& out) {
    simdjson::dom::array arr;
    if (!e || e->is_null() || (e->is_bool() && !e->get_bool().value_unsafe())) return std::nullopt;
    if (e->get_array().get(arr)) return value_error("fields must be a list of field names");
    for (auto f : arr) {
      std::string_view name;
      if (f.get_string().get(name)) return value_error("fields must be a list of field names");
      if (!known_field(name)) return value_error(fmt::format("Invalid field '{}' on model '{}'", name, kModel));
      out.emplace_back(name);
    }
    return std::nullopt;
  }

  std::variant<std::string, Fault> search(std::string_view method, Args pos, Kwargs kw) {
    Search s;
    bool read = method == "search_read";
    // search_read(domain, fields, offset, limit, order); search(domain, offset, limit, order)
    auto domain = arg(pos, kw, 0, "domain");
    if (!domain) domain = arg(pos, kw, 0, "args");
    DomainParser dp;
    if (domain)
      if (auto f = dp.parse(*domain)) return *f;
    s.domain = std::move(dp.d);
    if (read)
      if (auto f = read_fields(arg(pos, kw, 1, "fields"), s.fields)) return *f;
    size_t base = read ? 2 : 1;
    int64_t n = 0;
    if (auto e = arg(pos, kw, base, "offset"); e && !e->is_null() && !e->get_int64().get(n)) {
      if (n < 0) return value_error("offset must be a positive integer");
      s.offset = static_cast<uint64_t>(n);
    }
    if (auto e = arg(pos, kw, base + 1, "limit"); e && !e->get_int64().get(n) && n > 0) s.limit = static_cast<uint64_t>(n);
    std::string order;
    if (auto e = arg(pos, kw, base + 2, "order"); e && e->is_string()) order = std::string(e->get_string().value_unsafe());
    std::string norm;
    for (char c : lower(order))
      if (c != ' ' || (!norm.empty() && norm.back() != ' ' && norm.back() != ',')) norm += c;
    while (!norm.empty() && norm.back() == ' ') norm.pop_back();
    if (norm == "write_date asc,id asc" || norm == "write_date,id" || norm == "write_date asc,id") {
      s.by_write_date = true;
    } else if (norm == "id asc" || norm == "id") {
      s.by_write_date = false;
    } else if (method != "search_count") {
      return value_error(fmt::format("crm-fake supports only order 'write_date asc, id asc' or 'id asc' on {}, got '{}' "
                                     "(Odoo's default order is complete_name asc, id desc)", kModel, order));
    }
    bool active_test = true;
    if (auto e = arg(pos, kw, 99, "context"); e)
      if (bool b = true; !(*e)["active_test"].get_bool().get(b)) active_test = b;
    const bool hide_archived = active_test && !s.domain.names("active");

    std::string out;
    JsonWriter w(out);
    uint64_t skipped = 0, taken = 0;
    if (method != "search_count") w.begin_array();
    scan(s, [&](const FakeRecord& r) {
      if (hide_archived && !r.active) return true;
      if (!eval(s.domain, s.domain.root, r)) return true;
      if (method != "search_count" && skipped < s.offset) {
        ++skipped;
        return true;
      }
      ++taken;
      if (method == "search") w.value(static_cast<int64_t>(r.id));
      else if (read) render(w, r, s.fields);
      return !s.limit || method == "search_count" || taken < *s.limit;
    });
    if (method == "search_count") return fmt::format("{}", taken);
    w.end_array();
    return out;
  }

  // Visits live records in the search's order until `visit` returns false.
  void scan(const Search& s, const std::function<bool(const FakeRecord&)>& visit) const {
    if (s.by_write_date) {
      int64_t since = since_bound(s.domain);
      ListPage page = data_.list(since, 0, kChunk);
      while (true) {
        for (const auto& r : page.records)
          if (!visit(r)) return;
        if (!page.more || page.records.empty()) return;
        const FakeRecord& last = page.records.back();
        page = data_.list_after(since, OrderKey{last.modified_ms, last.id}, kChunk);
      }
    }
    uint64_t after = id_bound(s.domain);
    while (true) {
      auto chunk = data_.by_id(after, kChunk);
      for (const auto& r : chunk)
        if (!visit(r)) return;
      if (chunk.empty()) return;
      after = chunk.back().id;
    }
  }

  static void render(JsonWriter& w, const FakeRecord& r, const std::vector<std::string>& fields) {
    w.begin_object();
    if (fields.empty()) {
      for (auto f : kFields) render_field(w, r, f);
    } else {
      render_field(w, r, "id");
      for (const auto& f : fields)
        if (f != "id") render_field(w, r, f);
    }
    w.end_object();
  }

  static Fault missing(const std::vector<uint64_t>& ids) {
    std::string list;
    for (uint64_t id : ids) list += fmt::format("{},", id);
    return {"odoo.exceptions.MissingError",
            fmt::format("Record does not exist or has been deleted.\n(Record: res.partner({}), User: {})", list, kOdooUid)};
  }

  std::variant<std::string, Fault> read(Args pos, Kwargs kw) {
    auto e = arg(pos, kw, 0, "ids");
    auto ids = e ? id_list(*e) : std::nullopt;
    if (!ids) return value_error("read() needs a list of ids");
    std::vector<std::string> fields;
    if (auto f = read_fields(arg(pos, kw, 1, "fields"), fields)) return *f;
    std::string out;
    JsonWriter w(out);
    w.begin_array();
    for (uint64_t id : *ids) {
      auto r = data_.get(id);
      if (!r) return missing({id});
      render(w, *r, fields);
    }
    w.end_array();
    return out;
  }

  std::variant<std::string, Fault> write(Args pos) {
    auto ids = pos && pos->size() > 0 ? id_list(pos->at(0).value_unsafe()) : std::nullopt;
    simdjson::dom::object vals;
    if (!ids || pos->size() < 2 || pos->at(1).get_object().get(vals)) return value_error("write() needs ids and values");
    RecordPatch p;
    for (auto [key, v] : vals) {
      std::string_view s;
      bool b = false;
      if (key == "active" && !v.get_bool().get(b)) {
        p.active = b;
      } else if (key == "name" || key == "email" || key == "phone") {
        std::string text = !v.get_string().get(s) ? std::string(s) : std::string();
        (key == "name" ? p.full_name : key == "email" ? p.email : p.phone) = text;
      } else {
        return value_error(fmt::format("Invalid field '{}' on model '{}' (crm-fake writes name, email, phone, active)",
                                       key, kModel));
      }
    }
    for (uint64_t id : *ids)
      if (!data_.update(id, p)) return missing({id});
    return std::string("true");
  }

  std::variant<std::string, Fault> unlink(Args pos) {
    auto ids = pos && pos->size() > 0 ? id_list(pos->at(0).value_unsafe()) : std::nullopt;
    if (!ids) return value_error("unlink() needs a list of ids");
    for (uint64_t id : *ids)
      if (!data_.remove(id)) return missing({id});
    return std::string("true");
  }

  Dataset& data_;
  const TokenIssuer& tokens_;
};

}  // namespace

OdooDialect::OdooDialect(Dataset& data, const TokenIssuer& tokens) : data_(data), tokens_(tokens) {}

RouteKind OdooDialect::route(std::string_view path) const {
  return path == "/jsonrpc" ? RouteKind::list : RouteKind::none;
}

bool OdooDialect::allows(std::string_view method, std::string_view /*path*/) const { return method == "POST"; }

ServerResponse OdooDialect::handle(const ServerRequest& req) const {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object params;
  // Odoo's JSON dispatcher refuses a body that is not JSON before any RPC happens.
  if (parser.parse(req.body).get(root) || root["params"].get_object().get(params))
    return html(400, "400 Bad Request", "Invalid JSON data");
  const std::string id = id_json(root);
  auto out = Call(data_, tokens_).run(params);
  if (const auto* fault = std::get_if<Fault>(&out)) return ServerResponse::json(200, envelope_error(id, *fault));
  return ServerResponse::json(200, envelope_result(id, std::get<std::string>(out)));
}

ServerResponse OdooDialect::error(int status, std::string_view /*code*/, std::string_view message) const {
  switch (status) {
    case 404: return html(404, "404 Not Found", message);
    case 405: return html(405, "405 Method Not Allowed", message);
    case 429: return html(429, "429 Too Many Requests", message);
    case 502: return html(502, "502 Bad Gateway", message);
    case 503: return html(503, "503 Service Temporarily Unavailable", message);
    case 504: return html(504, "504 Gateway Time-out", message);
    default: return html(status, fmt::format("{} Error", status), message);
  }
}

int64_t OdooDialect::view_since_ms(const ServerRequest& req) const {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::element domain;
  if (parser.parse(req.body).get(root) || root.at_pointer("/params/args/5/0").get(domain)) return INT64_MIN;
  DomainParser dp;
  if (dp.parse(domain)) return INT64_MIN;
  return since_bound(dp.d);
}

}  // namespace crm::fake
