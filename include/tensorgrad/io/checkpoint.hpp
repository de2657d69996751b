#pragma once
/// Checkpoints: a module's parameters and buffers, or an optimizer's state, saved as safetensors under
/// PyTorch's dotted names, so `safetensors.torch.load_file("model.safetensors")` opens what tg::save wrote
/// and a PyTorch state_dict saved with safetensors loads into the same C++ network.
///
/// Example:
///   tg::save(model, "model.safetensors");        // model: a holder (XORNet), a shared_ptr or a module
///   tg::load(model, "model.safetensors");        // strict: names, dtypes and shapes must match
///   tg::save_optimizer(optimizer, "optim.safetensors");
///   tg::load_optimizer(optimizer, "optim.safetensors");
///
/// NOTE [ All or nothing ]: every load here validates the whole source (the file format, see NOTE
/// [ Checkpoint validation ], then names, dtypes, shapes and devices against the module) before the first
/// byte of the module changes; a failed load throws tg::Error naming the file and the field and leaves the
/// module bitwise unchanged.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "safetensors.hpp"

namespace tg {
namespace io {
namespace detail {

template <class M, class = void> struct has_named_parameters : std::false_type {};
template <class M>
struct has_named_parameters<M, std::void_t<decltype(std::declval<M&>().named_parameters())>> : std::true_type {};

template <class O, class = void> struct has_state : std::false_type {};
template <class O> struct has_state<O, std::void_t<decltype(std::declval<O&>().state())>> : std::true_type {};

/// The object itself, or what a holder / smart pointer points to (so both `model` and `model.ptr()` work).
template <bool IsObject, class X> decltype(auto) object_ref(X& x, const char* fn) {
  if constexpr (IsObject) {
    return (x);
  } else {
    TG_CHECK(static_cast<bool>(x), fn, ": the module or optimizer handle is empty (nullptr)");
    return (*x);
  }
}
template <class M> decltype(auto) module_ref(M& m, const char* fn) {
  return object_ref<has_named_parameters<M>::value>(m, fn);
}
template <class O> decltype(auto) optimizer_ref(O& o, const char* fn) { return object_ref<has_state<O>::value>(o, fn); }

/// The module's state in PyTorch's state_dict order: parameters, then buffers, with dotted names, each
/// tensor with its own dtype.
template <class Module> std::vector<std::pair<std::string, AnyTensor>> module_entries(Module& module) {
  std::vector<std::pair<std::string, AnyTensor>> entries;
  for (auto& [name, t] : module.template named_parameters<AnyTensor>()) entries.emplace_back(name, t);
  for (auto& [name, t] : module.template named_buffers<AnyTensor>()) entries.emplace_back(name, t);
  return entries;
}

/// What a state source says about one tensor, for matching against the module.
struct SourceInfo {
  const std::string* name;
  Dtype dtype;
  const Shape* shape;
};

/// Matches a source (file or state dict) against the module's entries as PyTorch's strict load_state_dict:
/// every problem is collected (missing keys, unexpected keys, dtype/shape mismatches, non-CPU targets) and
/// reported in one tg::Error prefixed by `where`. Returns, for each module entry, its index in `source`.
template <class Entries>
std::vector<std::size_t> match_state(const Entries& entries, const std::vector<SourceInfo>& source, const std::string& where) {
  std::vector<std::size_t> order(source.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return *source[a].name < *source[b].name; });
  std::vector<std::string> problems;
  for (std::size_t i = 1; i < order.size(); ++i)
    if (*source[order[i]].name == *source[order[i - 1]].name)
      problems.push_back(::tg::detail::str_cat("tensor '", *source[order[i]].name, "' appears twice"));
  auto find = [&](const std::string& name) {
    auto it = std::lower_bound(order.begin(), order.end(), name,
                               [&](std::size_t i, const std::string& n) { return *source[i].name < n; });
    return it != order.end() && *source[*it].name == name ? *it : source.size();
  };

  std::vector<std::size_t> match;
  std::vector<bool> used(source.size(), false);
  std::string missing;
  for (const auto& [name, tensor] : entries) {
    const std::size_t i = find(name);
    match.push_back(i);
    if (i == source.size()) {
      missing += (missing.empty() ? "'" : ", '") + name + "'";
      continue;
    }
    used[i] = true;
    const SourceInfo& s = source[i];
    if (s.dtype != tensor.dtype())
      problems.push_back(::tg::detail::str_cat("tensor '", name, "': dtype ", safetensors_dtype(s.dtype),
                                               " does not match the module's ", safetensors_dtype(tensor.dtype())));
    else if (*s.shape != tensor.sizes())
      problems.push_back(::tg::detail::str_cat("tensor '", name, "': shape ", *s.shape, " does not match the module's ",
                                               tensor.sizes()));
    if (!tensor.device().is_cpu())
      problems.push_back(::tg::detail::str_cat("tensor '", name, "': the module's tensor is on ", tensor.device(),
                                               "; load into a CPU module, then move it with to(device)"));
  }
  std::string unexpected;
  for (std::size_t i = 0; i < source.size(); ++i)
    if (!used[i] && find(*source[i].name) == i) unexpected += (unexpected.empty() ? "'" : ", '") + *source[i].name + "'";
  if (!missing.empty()) problems.insert(problems.begin(), "missing key(s) " + missing);
  if (!unexpected.empty()) problems.insert(problems.begin() + (missing.empty() ? 0 : 1), "unexpected key(s) " + unexpected);
  if (!problems.empty()) {
    std::string msg = where + ": ";
    for (std::size_t i = 0; i < problems.size(); ++i) msg += (i ? "; " : "") + problems[i];
    throw Error(msg);
  }
  return match;
}

/// Copies validated values into the module's tensors (under no-grad: parameters are leaves that require grad).
/// Copies validated values (match_state checked the dtypes) into the module's tensors, under no-grad:
/// parameters are leaves that require grad.
template <class GetSource>
void copy_into(std::vector<std::pair<std::string, AnyTensor>>& entries, const std::vector<std::size_t>& match,
               GetSource get_source) {
  NoGradGuard no_grad;
  for (std::size_t k = 0; k < entries.size(); ++k) entries[k].second.copy_(get_source(match[k]));
}

/// A double as text that reads back to the same bits ("%.17g" round-trips every finite double).
inline std::string exact_double(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace detail
}  // namespace io

/// The module's parameters then buffers under their dotted names (`fc1.weight`), as PyTorch's
/// `model.state_dict()`: detached tensors that alias the module's (clone them for a snapshot).
/// Example: for (auto& [name, t] : tg::module_state_dict(model)) std::cout << name << ' ' << t.sizes() << '\n';
template <class M> auto module_state_dict(M&& module) {
  auto entries = io::detail::module_entries(io::detail::module_ref(module, "module_state_dict"));
  for (auto& e : entries) e.second = e.second.detach();
  return entries;
}

/// Copies `state` (name -> tensor pairs, e.g. from module_state_dict) into the module, strictly: the names
/// must be exactly the module's, with the same dtypes and shapes (see NOTE [ All or nothing ]).
template <class M, class State> void load_state_dict(M&& module, const State& state) {
  auto entries = io::detail::module_entries(io::detail::module_ref(module, "load_state_dict"));
  std::vector<io::detail::SourceInfo> source;
  for (const auto& [name, tensor] : state) {
    TG_CHECK(tensor.defined(), "load_state_dict: tensor '", name, "' is undefined");
    source.push_back({&name, tensor.dtype(), &tensor.sizes()});
  }
  const auto match = io::detail::match_state(entries, source, "load_state_dict");
  io::detail::copy_into(entries, match, [&](std::size_t i) { return AnyTensor(state[i].second); });
}

/// Saves the module's parameters and buffers to a safetensors file (crash-safe, see io::save_tensors),
/// readable by `safetensors.torch.load_file`.
template <class M> void save(M&& module, const std::string& path) {
  io::save_tensors(path, io::detail::module_entries(io::detail::module_ref(module, "save")), {{"format", "pt"}});
}

/// Loads a safetensors file (tg::save's or PyTorch's) into the module, strictly: every tensor the module
/// has, nothing else, same dtypes and shapes. Errors name the file and the field, e.g.
/// "model.safetensors: tensor 'fc1.weight': shape [8, 2] does not match the module's [4, 2]"; a failed
/// load leaves the module unchanged (NOTE [ All or nothing ]).
template <class M> void load(M&& module, const std::string& path) {
  auto entries = io::detail::module_entries(io::detail::module_ref(module, "load"));
  std::vector<io::NamedTensor> file = io::load_tensors(path);
  std::vector<io::detail::SourceInfo> source;
  for (const auto& t : file) source.push_back({&t.name, t.dtype(), &t.sizes()});
  const auto match = io::detail::match_state(entries, source, path);
  io::detail::copy_into(entries, match, [&](std::size_t i) { return file[i].tensor; });
}

/// Saves an optimizer's state (NOTE [ Optimizer state ]) with its name and learning rate in the metadata,
/// so load_optimizer resumes a run bitwise identically.
template <class O> void save_optimizer(O&& optimizer, const std::string& path) {
  auto& opt = io::detail::optimizer_ref(optimizer, "save_optimizer");
  io::save_tensors(path, opt.state(), {{"optimizer", opt.name()}, {"lr", io::detail::exact_double(opt.lr())}});
}

/// Restores an optimizer saved by save_optimizer: the same algorithm (checked by name), dtype and parameter
/// shapes (checked by the optimizer's load_state). All-or-nothing: on error the optimizer is unchanged.
template <class O> void load_optimizer(O&& optimizer, const std::string& path) {
  auto& opt = io::detail::optimizer_ref(optimizer, "load_optimizer");
  io::Metadata metadata;
  const std::vector<io::NamedTensor> file = io::load_tensors(path, &metadata);
  auto field = [&](const char* key) -> const std::string& {
    for (const auto& [k, v] : metadata)
      if (k == key) return v;
    throw Error(::tg::detail::str_cat(path, ": __metadata__ has no '", key, "' entry (not written by save_optimizer)"));
  };
  TG_CHECK(field("optimizer") == opt.name(), path, ": holds the state of a ", field("optimizer"),
           " optimizer, not of ", opt.name());
  const std::string& lr_text = field("lr");
  char* end = nullptr;
  const double lr = std::strtod(lr_text.c_str(), &end);
  TG_CHECK(!lr_text.empty() && end == lr_text.c_str() + lr_text.size() && std::isfinite(lr) && lr >= 0, path,
           ": __metadata__ 'lr' is not a valid learning rate: '", lr_text, "'");

  using State = std::decay_t<decltype(opt.state())>;
  using T = typename State::value_type::second_type::value_type;
  State state;
  for (const auto& t : file) {
    TG_CHECK(t.dtype() == dtype_v<T>, path, ": tensor '", t.name, "': dtype ", io::safetensors_dtype(t.dtype()),
             " does not match the optimizer's ", io::safetensors_dtype(dtype_v<T>));
    state.emplace_back(t.name, t.tensor.as<T>());
  }
  try {
    opt.load_state(state);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  opt.set_lr(lr);
}

}  // namespace tg
