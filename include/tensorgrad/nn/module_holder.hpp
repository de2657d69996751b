#pragma once
/// ModuleHolder<Impl>: the shared handle users pass around (LibTorch's ownership model). `Linear fc(2, 8)`
/// makes a LinearImpl on the heap; copies of the holder share it; `fc->weight` reaches the impl and
/// `fc(x)` calls its forward. `Linear fc{nullptr}` is an empty holder to be assigned later (the usual
/// member declaration before register_module in a constructor).
///
/// TG_MODULE(Name) declares the holder `Name` for a class `NameImpl` deriving from tg::nn::Module.
#include <memory>
#include <ostream>
#include <type_traits>
#include <utility>

#include "module.hpp"

namespace tg {
namespace nn {

template <class Impl>
class ModuleHolder {
  static_assert(std::is_base_of_v<Module, Impl>, "ModuleHolder<Impl>: Impl must derive from tg::nn::Module");

 public:
  using ContainedType = Impl;

  /// Default-constructs the impl (for modules whose constructor takes no arguments, e.g. ReLU).
  ModuleHolder() : impl_(make_default()) {}
  /// An empty holder.
  ModuleHolder(std::nullptr_t) {}
  /// Builds the impl from the arguments: Linear(784, 256), Linear(LinearOptions(784, 256).bias(false)).
  template <class A0, class... Args,
            class = std::enable_if_t<std::is_constructible_v<Impl, A0&&, Args&&...> &&
                                     !std::is_base_of_v<ModuleHolder, std::decay_t<A0>>>>
  explicit ModuleHolder(A0&& a0, Args&&... args)
      : impl_(std::make_shared<Impl>(std::forward<A0>(a0), std::forward<Args>(args)...)) {}
  /// Wraps an existing impl.
  ModuleHolder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

  Impl* operator->() const { return &checked(); }
  Impl& operator*() const { return checked(); }
  Impl* get() const { return impl_.get(); }
  const std::shared_ptr<Impl>& ptr() const { return impl_; }
  bool is_empty() const { return impl_ == nullptr; }
  explicit operator bool() const { return impl_ != nullptr; }

  /// Calls the impl's forward.
  template <class... Args> decltype(auto) operator()(Args&&... args) const {
    return checked().forward(std::forward<Args>(args)...);
  }
  /// Indexes the impl (Sequential).
  template <class Arg> decltype(auto) operator[](Arg&& arg) const { return checked()[std::forward<Arg>(arg)]; }

 private:
  static std::shared_ptr<Impl> make_default() {
    if constexpr (std::is_default_constructible_v<Impl>) {
      return std::make_shared<Impl>();
    } else {
      static_assert(std::is_default_constructible_v<Impl>,
                    "this module has no default constructor: pass its arguments, or nullptr for an empty holder");
      return nullptr;
    }
  }
  Impl& checked() const {
    TG_CHECK(impl_ != nullptr, "accessing an empty module holder (constructed from nullptr); assign it first, "
             "e.g. fc = register_module(\"fc\", Linear(2, 8))");
    return *impl_;
  }

  std::shared_ptr<Impl> impl_;
};

template <class Impl> std::ostream& operator<<(std::ostream& os, const ModuleHolder<Impl>& m) { return os << *m; }

}  // namespace nn
}  // namespace tg

/// Declares `Name`, the holder of `NameImpl` (which must derive from tg::nn::Module), as LibTorch's
/// TORCH_MODULE. Use it at the scope where NameImpl is declared.
#define TG_MODULE(Name)                                      \
  class Name : public ::tg::nn::ModuleHolder<Name##Impl> {   \
   public:                                                   \
    using ::tg::nn::ModuleHolder<Name##Impl>::ModuleHolder;  \
    Name() = default;                                        \
  }
