fn main() {
    ccs_cli::main()
}
