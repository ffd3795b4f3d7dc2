fn main() {
    complaints_app::start();
}
