#pragma once
/// tg::nn::Module: the base of every layer and network. It keeps ordered registries of parameters, buffers
/// and submodules, so `named_parameters()` yields PyTorch's dotted names (`fc1.weight`, `net.0.bias`), and
/// `train()/eval()/zero_grad()/to()` reach the whole tree.
///
/// Example:
///   struct XORNetImpl : tg::nn::Module {
///     tg::nn::Linear fc1{nullptr}, fc2{nullptr};
///     XORNetImpl() {
///       fc1 = register_module("fc1", tg::nn::Linear(2, 8));
///       fc2 = register_module("fc2", tg::nn::Linear(8, 1));
///     }
///     tg::Tensor<float> forward(const tg::Tensor<float>& x) { return fc2(tg::relu(fc1(x))); }
///   };
///   TG_MODULE(XORNet);  // XORNet: a shared handle to an XORNetImpl (see module_holder.hpp)
///
/// Errors name the module by its place in the tree (NOTE [ Module path ]): a forward check in a Linear
/// registered as "2" in a Sequential registered as "net" throws "net.2 (Linear): expected input with 128
/// features, got [64, 100]"; a module that is nobody's child is named by its class alone ("Linear: ...").
///
/// Dtypes: the registries keep each tensor with its runtime dtype (AnyTensor). A module is float32 when built;
/// `to(tg::kFloat64)` converts its floating point parameters and buffers in place (integer buffers such as
/// BatchNorm's num_batches_tracked keep their dtype), and `parameters<double>()` hands the typed handles to an
/// Optimizer<double>. `parameters()` means `parameters<float>()`, the dtype of nearly every model; a listing
/// whose dtype differs from the one asked for throws naming the tensor.
///
/// Printed name: name() defaults to the class name with namespaces and a trailing "Impl" removed
/// (XORNetImpl prints as "XORNet", as PyTorch prints the Python class name); override name() to choose another.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <unordered_set>
#include <utility>
#include <vector>

#include "../core/any_tensor.hpp"
#include "../core/print.hpp"
#include "../ops/tensor_methods.hpp"

#if defined(__has_include)
#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define TG_HAS_CXXABI 1
#endif
#endif

namespace tg {
namespace nn {

namespace detail {

/// A double the way Python's repr prints it (0.2, 1.0, 1e-05), so printouts match PyTorch's.
inline std::string python_float(double v) {
  char buf[64];
  int precision = 1;
  // Shortest form that reads back to the same double.
  for (; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  // %g goes to exponent form once the exponent reaches the precision; Python's repr only from 1e16.
  const auto e = s.find('e');
  if (e != std::string::npos) {
    const int exponent = std::atoi(s.c_str() + e + 1);
    if (exponent >= -4 && exponent < 16) {
      std::snprintf(buf, sizeof buf, "%.*f", std::max(0, precision - 1 - exponent), v);
      s = buf;
    }
  }
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";  // 1 -> 1.0 (not for inf/nan)
  return s;
}

/// The unqualified class name of a dynamic type, without a trailing "Impl".
inline std::string class_name(const std::type_info& type) {
  std::string full = type.name();
#ifdef TG_HAS_CXXABI
  int status = 0;
  char* demangled = abi::__cxa_demangle(type.name(), nullptr, nullptr, &status);
  if (status == 0 && demangled) full = demangled;
  std::free(demangled);
#endif
  // Drop scopes ("ns::", "f()::", "(anonymous namespace)::", MSVC's "struct ") outside template brackets.
  std::size_t start = 0;
  int depth = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    const char c = full[i];
    if (c == '<' || c == '(') ++depth;
    else if (c == '>' || c == ')') --depth;
    else if (depth == 0 && c == ':' && i + 1 < full.size() && full[i + 1] == ':') start = i + 2;
    else if (depth == 0 && c == ' ' && start <= i) start = i + 1;
  }
  std::string name = full.substr(start);
  const std::string impl = "Impl";
  if (name.size() > impl.size() && name.compare(name.size() - impl.size(), impl.size(), impl) == 0)
    name.resize(name.size() - impl.size());
  return name;
}

}  // namespace detail

/// The handle type of a typed listing: parameters<float>() gives Tensor<float>s, parameters<AnyTensor>() AnyTensors.
template <class T> using handle_t = std::conditional_t<std::is_same_v<T, AnyTensor>, AnyTensor, Tensor<T>>;
template <class T = AnyTensor> using NamedTensors = std::vector<std::pair<std::string, handle_t<T>>>;

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  virtual ~Module() = default;
  // A module owns its registry; copies would silently share or split parameters, so there are none.
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  /// The class name used by printing, e.g. "Linear"; see the note at the top of this file.
  virtual std::string name() const { return detail::class_name(typeid(*this)); }
  /// What a module prints inside its parentheses, e.g. "in_features=10, out_features=5, bias=true".
  virtual std::string extra_repr() const { return ""; }

  // ---- registration ------------------------------------------------------------------------------
  /// Registers a floating point parameter under `name` (its requires_grad is set to `requires_grad`) and
  /// returns it. The returned handle aliases the registered tensor; keep it as an AnyTensor member if the
  /// module should follow to(kFloat64), or as a Tensor<float> if it stays float32.
  AnyTensor register_parameter(const std::string& name, AnyTensor tensor, bool requires_grad = true) {
    check_new_name("register_parameter", "parameter", name);
    TG_CHECK(tensor.defined(), this->name(), ".register_parameter: parameter \"", name, "\" is an undefined tensor");
    TG_CHECK(tensor.is_floating_point(), this->name(), ".register_parameter: parameter \"", name,
             "\" must be a floating point tensor, got ", dtype_name(tensor.dtype()));
    tensor.requires_grad_(requires_grad);
    parameters_.emplace_back(name, tensor);
    return tensor;
  }
  /// Registers state that is saved with the module but not trained (e.g. running statistics), of any dtype.
  AnyTensor register_buffer(const std::string& name, AnyTensor tensor) {
    check_new_name("register_buffer", "buffer", name);
    TG_CHECK(tensor.defined(), this->name(), ".register_buffer: buffer \"", name, "\" is an undefined tensor");
    buffers_.emplace_back(name, tensor);
    return tensor;
  }
  /// Registers a submodule, given as a holder (tg::nn::Linear(...)) or a std::shared_ptr; returns it.
  template <class Holder> Holder register_module(const std::string& name, Holder module) {
    check_new_name("register_module", "module", name);
    std::shared_ptr<Module> ptr = as_module_ptr(module);
    TG_CHECK(ptr != nullptr, this->name(), ".register_module: module \"", name, "\" is empty (nullptr)");
    TG_CHECK(ptr.get() != this, this->name(), ".register_module: a module cannot be its own child (\"", name, "\")");
    ptr->set_path(path_.empty() ? name : path_ + "." + name);
    children_.emplace_back(name, std::move(ptr));
    return module;
  }

  // NOTE [ Module path ]: each module knows its dotted path from the root of the tree it was last registered
  // into ("net.2"). register_module sets it for the child and, recursively, for the child's own descendants,
  // so registering a built Sequential under "net" renames its children "net.0", "net.1", ... A module that is
  // nobody's child has the empty path. Errors from forward use it through error_context().

  /// This module's dotted path in its parent tree, e.g. "net.2"; empty for a top-level module.
  const std::string& path() const { return path_; }
  /// How errors name this module: "net.2 (Linear)", or just "Linear" for a top-level module.
  std::string error_context() const { return path_.empty() ? name() : path_ + " (" + name() + ")"; }

  // ---- traversal ---------------------------------------------------------------------------------
  /// Parameters of this module then of each child in registration order (each tensor once), as Tensor<T>
  /// (T = float unless asked otherwise; AnyTensor for any dtype).
  template <class T = float> std::vector<handle_t<T>> parameters(bool recurse = true) const {
    return values(named_parameters<T>(recurse));
  }
  /// Parameters with dotted names (`fc1.weight`), in the order PyTorch lists them.
  template <class T = float> NamedTensors<T> named_parameters(bool recurse = true) const {
    return typed<T>(collect(recurse, &Module::parameters_), "named_parameters");
  }
  /// Buffers of every dtype by default (BatchNorm's counter is int64 beside float statistics).
  template <class T = AnyTensor> std::vector<handle_t<T>> buffers(bool recurse = true) const {
    return values(named_buffers<T>(recurse));
  }
  template <class T = AnyTensor> NamedTensors<T> named_buffers(bool recurse = true) const {
    return typed<T>(collect(recurse, &Module::buffers_), "named_buffers");
  }
  /// Direct submodules in registration order.
  std::vector<std::shared_ptr<Module>> children() const {
    std::vector<std::shared_ptr<Module>> out;
    for (const auto& c : children_) out.push_back(c.second);
    return out;
  }
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const { return children_; }
  /// This module and every descendant, pre-order, each once (the first entry is this module, named "").
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> named_modules() const {
    std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
    std::unordered_set<const Module*> seen;
    // A module built outside a shared_ptr still lists itself, through a non-owning pointer.
    std::shared_ptr<const Module> self = weak_from_this().lock();
    if (!self) self = std::shared_ptr<const Module>(std::shared_ptr<const Module>(), this);
    collect_modules(out, seen, "", std::const_pointer_cast<Module>(self));
    return out;
  }
  std::vector<std::shared_ptr<Module>> modules() const {
    std::vector<std::shared_ptr<Module>> out;
    for (auto& m : named_modules()) out.push_back(m.second);
    return out;
  }

  // ---- state -------------------------------------------------------------------------------------
  /// Sets training mode on this module and every descendant (Dropout reads it); returns nothing, as LibTorch.
  virtual void train(bool on = true) {
    training_ = on;
    for (auto& c : children_) c.second->train(on);
  }
  void eval() { train(false); }
  bool is_training() const { return training_; }

  /// Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True) default): grad() becomes
  /// undefined until the next backward.
  void zero_grad() {
    for (auto& t : parameters<AnyTensor>()) t.impl()->grad.reset();
  }

  /// Moves every parameter and buffer to `device` in place: handles held elsewhere (fc1->weight, an
  /// optimizer's list) see the moved data. Throws for a device whose backend is not built in.
  void to(Device device) { convert_in_place(device, std::nullopt); }
  /// Converts every floating point parameter and buffer (and their gradients) to `dtype` in place, as
  /// PyTorch's module.to(dtype): handles held elsewhere follow, and typed handles of the old dtype (an
  /// Optimizer<float> made before) refuse to read them. Integer buffers keep their dtype.
  void to(Dtype dtype) {
    TG_CHECK(is_floating(dtype), name(), ".to: a module's dtype must be floating point, got ", dtype_name(dtype));
    convert_in_place(std::nullopt, dtype);
  }
  void to(Device device, Dtype dtype) {
    TG_CHECK(is_floating(dtype), name(), ".to: a module's dtype must be floating point, got ", dtype_name(dtype));
    convert_in_place(device, dtype);
  }
  /// PyTorch's module.double() and module.float(), which C++ cannot spell: the underscore says "in place".
  void double_() { to(kFloat64); }
  void float_() { to(kFloat32); }

  /// Total number of elements over all parameters (trainable or not).
  std::int64_t num_parameters() const {
    std::int64_t n = 0;
    for (const auto& t : parameters<AnyTensor>()) n += t.numel();
    return n;
  }

  /// PyTorch's printout: `Name(extra)` for a leaf, otherwise one indented `(child): ...` line per child.
  void pretty_print(std::ostream& os) const {
    const std::string extra = extra_repr();
    os << name() << '(';
    if (children_.empty()) {
      os << extra << ')';
      return;
    }
    os << '\n';
    if (!extra.empty()) os << "  " << indent(extra) << '\n';
    for (const auto& [child_name, child] : children_) {
      std::ostringstream child_os;
      child->pretty_print(child_os);
      os << "  (" << child_name << "): " << indent(child_os.str()) << '\n';
    }
    os << ')';
  }

 protected:
  /// Runs a forward body; a tg::Error it throws is rethrown with error_context() in front, so the message of
  /// the op that failed ("mse_loss: input of shape ...") also says which module called it.
  /// Example: return in_context([&] { return functional::softmax(x, dim); });
  template <class Body> decltype(auto) in_context(Body&& body) const {
    try {
      return body();
    } catch (const Error& e) {
      throw Error(error_context() + ": " + e.what());
    }
  }

  /// A parameter or buffer as Tensor<T>, for a forward on Tensor<T> inputs (undefined stays undefined). A module
  /// of another dtype throws naming both: "Linear: input is float64 but weight is float32; convert the module
  /// with to(tg::kFloat64)".
  template <class T> Tensor<T> typed(const AnyTensor& t, const char* what) const {
    TG_CHECK(!t.defined() || t.is<T>(), error_context(), ": input is ", dtype_name(dtype_v<T>), " but ", what, " is ",
             dtype_name(t.dtype()), "; convert the module with to(tg::k", dtype_v<T> == Dtype::Float64 ? "Float64" : "Float32",
             ")");
    return t.defined() ? t.as<T>() : Tensor<T>();
  }

  /// Holders and shared_ptrs to any Module subclass become a shared_ptr<Module>.
  template <class M> static std::shared_ptr<Module> as_module_ptr(const std::shared_ptr<M>& p) { return p; }
  template <class H> static auto as_module_ptr(const H& holder) -> decltype(std::shared_ptr<Module>(holder.ptr())) {
    return holder.ptr();
  }

 private:
  // See NOTE [ Module path ]; `seen` stops at a module met twice (a module shared by two parents, or a cycle).
  void set_path(const std::string& path) {
    std::unordered_set<const Module*> seen;
    set_path(path, seen);
  }
  void set_path(const std::string& path, std::unordered_set<const Module*>& seen) {
    if (!seen.insert(this).second) return;
    path_ = path;
    for (const auto& [n, c] : children_) c->set_path(path + "." + n, seen);
  }

  void check_new_name(const char* fn, const char* what, const std::string& n) const {
    TG_CHECK(!n.empty(), name(), ".", fn, ": ", what, " name can't be empty");
    TG_CHECK(n.find('.') == std::string::npos, name(), ".", fn, ": ", what, " name can't contain \".\", got \"", n,
             "\"");
    auto taken = [&n](const auto& list) {
      for (const auto& e : list)
        if (e.first == n) return true;
      return false;
    };
    TG_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), name(), ".", fn, ": attribute \"", n,
             "\" already exists");
  }

  using Registry = NamedTensors<AnyTensor>;

  Registry collect(bool recurse, Registry Module::*list) const {
    Registry out;
    std::unordered_set<const tg::detail::TensorImpl*> seen;
    collect_into(out, seen, "", recurse, list);
    return out;
  }
  void collect_into(Registry& out, std::unordered_set<const tg::detail::TensorImpl*>& seen, const std::string& prefix,
                    bool recurse, Registry Module::*list) const {
    for (const auto& [n, t] : this->*list)
      if (seen.insert(t.impl().get()).second) out.emplace_back(prefix + n, t);
    if (!recurse) return;
    for (const auto& [n, c] : children_) c->collect_into(out, seen, prefix + n + ".", true, list);
  }
  static void collect_modules(std::vector<std::pair<std::string, std::shared_ptr<Module>>>& out,
                              std::unordered_set<const Module*>& seen, const std::string& name,
                              const std::shared_ptr<Module>& m) {
    if (!seen.insert(m.get()).second) return;
    out.emplace_back(name, m);
    for (const auto& [n, c] : m->children_) collect_modules(out, seen, name.empty() ? n : name + "." + n, c);
  }
  static std::string indent(const std::string& s) {
    std::string out;
    for (char c : s) {
      out += c;
      if (c == '\n') out += "  ";
    }
    return out;
  }
  /// The registry's entries as T's handles; an entry of another dtype throws naming it.
  template <class T> NamedTensors<T> typed(Registry entries, const char* fn) const {
    if constexpr (std::is_same_v<T, AnyTensor>) {
      return entries;
    } else {
      NamedTensors<T> out;
      out.reserve(entries.size());
      for (auto& entry : entries) {
        const AnyTensor& t = entry.second;
        TG_CHECK(t.template is<T>(), name(), ".", fn, "<", dtype_name(dtype_v<T>), ">: \"", entry.first, "\" is ",
                 dtype_name(t.dtype()), "; ask for that dtype (e.g. parameters<double>() after to(tg::kFloat64))");
        out.emplace_back(std::move(entry.first), t.template as<T>());
      }
      return out;
    }
  }
  template <class Named> static auto values(Named named) {
    std::vector<typename Named::value_type::second_type> out;
    out.reserve(named.size());
    for (auto& entry : named) out.push_back(std::move(entry.second));
    return out;
  }

  void convert_in_place(std::optional<Device> device, std::optional<Dtype> dtype) {
    for (auto& t : parameters<AnyTensor>()) convert_in_place(t, device, dtype);
    for (auto& t : buffers<AnyTensor>()) convert_in_place(t, device, dtype);
  }
  /// Repoints the existing impl at converted data, so every handle to this tensor follows.
  static void convert_in_place(const AnyTensor& t, std::optional<Device> device, std::optional<Dtype> dtype) {
    if (dtype && !t.is_floating_point()) dtype.reset();
    const Device to_dev = device.value_or(t.device());
    const Dtype to_dtype = dtype.value_or(t.dtype());
    if (t.device() == to_dev && t.dtype() == to_dtype) return;
    const auto convert = [&](const AnyTensor& x) { return x.detach().to(to_dtype).to(to_dev); };
    const AnyTensor moved = convert(t);
    tg::detail::TensorImpl& impl = *t.impl();
    impl.storage = moved.impl()->storage;
    impl.sizes = moved.impl()->sizes;
    impl.strides = moved.impl()->strides;
    impl.offset = moved.impl()->offset;
    impl.dtype = to_dtype;
    if (impl.grad) impl.grad = convert(AnyTensor(impl.grad)).impl();
  }

  Registry parameters_;
  Registry buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
  std::string path_;  // NOTE [ Module path ]
};

inline std::ostream& operator<<(std::ostream& os, const Module& m) {
  m.pretty_print(os);
  return os;
}

}  // namespace nn
}  // namespace tg

/// TG_CHECK for a module's forward: the message starts with the module's error_context(), e.g.
/// TG_MODULE_CHECK(x.size(-1) == in, "expected input with ", in, " features, got ", x.sizes()) throws
/// "net.2 (Linear): expected input with 128 features, got [64, 100]".
#define TG_MODULE_CHECK(cond, ...) TG_CHECK(cond, this->error_context(), ": ", __VA_ARGS__)
