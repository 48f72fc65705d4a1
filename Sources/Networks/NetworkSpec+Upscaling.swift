/// Which networks are super-resolution generators, and by how much they enlarge.
extension NetworkSpec {
    /// Output pixels per input pixel along each side for a super-resolution generator (SRResNet:
    /// its `scale`, 2 or 4), nil for any other network (pix2pix and CycleGAN generators keep the
    /// size; discriminators and feature extractors are not image-to-image). The one place
    /// `translate upscale`, the tiling runner and the memory estimate ask: a new SR kind adds its
    /// case here.
    public var upscaleFactor: Int? {
        switch kind {
        case .generator(let generator):
            switch generator {
            case .srresnet: return scale
            case .resnet6, .resnet9, .unet128, .unet256: return nil
            }
        case .discriminator, .features:
            return nil
        }
    }
}
