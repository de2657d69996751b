#pragma once
/// Sequential: a chain of Tensor<T> -> Tensor<T> modules, named "0", "1", ... or by the names given. It runs on
/// float and on double inputs (after to(tg::kFloat64)) when each module's forward takes both, as the built-in
/// layers' do; a module whose forward takes float only throws, naming itself, when called with a double.
///
/// Example:
///   tg::nn::Sequential net(tg::nn::Linear(784, 256), tg::nn::ReLU(), tg::nn::Linear(256, 10));
///   tg::nn::Sequential named({{"fc1", tg::nn::Linear(2, 8)}, {"relu", tg::nn::ReLU()}});
///   net->push_back(tg::nn::Dropout(0.2));      // named "3"
///   auto y = net(x);                           // net->forward(x)
///   auto& fc = net->at<tg::nn::LinearImpl>(0); // typed access; net[0] gives the shared_ptr<Module>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "module_holder.hpp"

namespace tg {
namespace nn {

/// One element of a Sequential: a module and how to call its forward (per dtype), with an optional name.
class NamedModule {
 public:
  template <class M>
  NamedModule(std::string name, M module)
      : name_(std::move(name)),
        module_(module_ptr(module)),
        forward_float_(forward_of<float>(module_ptr(module))),
        forward_double_(forward_of<double>(module_ptr(module))) {}

  const std::string& name() const { return name_; }
  const std::shared_ptr<Module>& module() const { return module_; }
  /// Calls the module's forward on x; throws naming the module if its forward does not take Tensor<T>.
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    const Forward<T>* fp = nullptr;
    if constexpr (std::is_same_v<T, float>) fp = &forward_float_;
    else fp = &forward_double_;
    const Forward<T>& f = *fp;
    TG_CHECK(f != nullptr, module_->error_context(), ": forward does not take a Tensor<", dtype_name(dtype_v<T>),
             "> (write it as a template, as the built-in layers do, to run in a Sequential of that dtype)");
    return f(x);
  }

  template <class Impl> static std::shared_ptr<Impl> module_ptr(const ModuleHolder<Impl>& h) { return h.ptr(); }
  template <class Impl> static std::shared_ptr<Impl> module_ptr(const std::shared_ptr<Impl>& p) { return p; }

 private:
  template <class T> using Forward = std::function<Tensor<T>(const Tensor<T>&)>;
  template <class Impl, class T, class = void> struct takes : std::false_type {};
  template <class Impl, class T>
  struct takes<Impl, T, std::void_t<decltype(Tensor<T>(std::declval<Impl&>().forward(std::declval<const Tensor<T>&>())))>>
      : std::true_type {};

  template <class T, class Impl> static Forward<T> forward_of(std::shared_ptr<Impl> p) {
    TG_CHECK(p != nullptr, "Sequential: cannot add an empty module (nullptr)");
    if constexpr (takes<Impl, T>::value) {
      return [impl = p.get()](const Tensor<T>& x) { return Tensor<T>(impl->forward(x)); };
    } else {
      return nullptr;
    }
  }

  std::string name_;
  std::shared_ptr<Module> module_;
  Forward<float> forward_float_;
  Forward<double> forward_double_;
};

class SequentialImpl : public Module {
 public:
  SequentialImpl() = default;
  /// From modules (holders or shared_ptrs), named "0", "1", ...
  template <class M0, class... Ms,
            class = std::enable_if_t<!std::is_same_v<std::decay_t<M0>, std::initializer_list<NamedModule>>>>
  explicit SequentialImpl(M0&& m0, Ms&&... ms) {
    push_back(std::forward<M0>(m0));
    (push_back(std::forward<Ms>(ms)), ...);
  }
  /// From (name, module) pairs.
  explicit SequentialImpl(std::initializer_list<NamedModule> named) {
    for (const NamedModule& m : named) add(m);
  }

  /// Appends a module named after its position.
  template <class M> void push_back(M module) { add(NamedModule(std::to_string(items_.size()), std::move(module))); }
  /// Appends a module under `name`.
  template <class M> void push_back(const std::string& name, M module) { add(NamedModule(name, std::move(module))); }
  template <class M> void add_module(const std::string& name, M module) { push_back(name, std::move(module)); }

  /// Runs the modules in order.
  template <class T> Tensor<T> forward(const Tensor<T>& x) const {
    Tensor<T> y = x;
    for (const NamedModule& m : items_) y = m.forward(y);
    return y;
  }

  std::size_t size() const { return items_.size(); }
  bool is_empty() const { return items_.empty(); }
  /// The module at `index` (negative counts from the end).
  std::shared_ptr<Module> operator[](std::int64_t index) const { return items_[checked_index(index)].module(); }
  std::shared_ptr<Module> ptr(std::int64_t index) const { return (*this)[index]; }
  /// The module at `index` as its concrete type; throws naming both types if it is another.
  template <class M> M& at(std::int64_t index) const {
    const std::shared_ptr<Module>& m = items_[checked_index(index)].module();
    auto* typed = dynamic_cast<M*>(m.get());
    TG_CHECK(typed != nullptr, error_context(), ": module ", index, " is a ", m->name(), ", not the requested type");
    return *typed;
  }

  std::string name() const override { return "Sequential"; }

 private:
  void add(const NamedModule& m) {
    register_module(m.name(), m.module());
    items_.push_back(m);
  }
  std::size_t checked_index(std::int64_t index) const {
    const auto n = static_cast<std::int64_t>(items_.size());
    TG_CHECK(index >= -n && index < n, error_context(), ": index ", index, " is out of range for a Sequential of ", n,
             " modules");
    return static_cast<std::size_t>(index < 0 ? index + n : index);
  }

  std::vector<NamedModule> items_;
};

/// The holder of SequentialImpl, written out (not TG_MODULE) to accept a braced list of named modules.
class Sequential : public ModuleHolder<SequentialImpl> {
 public:
  using ModuleHolder<SequentialImpl>::ModuleHolder;
  Sequential() = default;
  Sequential(std::initializer_list<NamedModule> named) : ModuleHolder(std::make_shared<SequentialImpl>(named)) {}
};

}  // namespace nn
}  // namespace tg
