// kustomize-build DIR: prints what `kubectl kustomize DIR` prints (the engine alone).

#include <exception>
#include <iostream>

#include "driftless/kustomize/build.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: kustomize-build DIR\n";
    return 2;
  }
  try {
    std::cout << driftless::kustomize::build(argv[1]);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "Error: " << e.what() << "\n";
    return 1;
  }
}
