#include "cli/commands.h"

int main(int argc, char** argv) { return crm::run_cli(argc, argv); }
