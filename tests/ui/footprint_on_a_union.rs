// The user derived `Footprint` on a union. A derive cannot tell which field
// of a union is live, so it cannot know what the value owns: implement
// `Footprint` by hand, reading whichever field your code knows is live.
#[derive(leakless::Footprint)]
union Bits {
    int: u64,
    float: f64,
}

fn main() {}
