# The sandbox image's recipe: the Dockerfile and the versions vendored into it. Sourced, not run.
# The recipe's hash is a label on the image, so a changed Dockerfile or version rebuilds it.
: "${SANDBOX_NODE_VERSION:=22.23.3}"
: "${SANDBOX_NPM_VERSION:=10.9.9}"
: "${SANDBOX_COREPACK_VERSION:=0.36.0}"
SANDBOX_RECIPE_LABEL=patchbay.recipe

# sha256 of everything the image is built from (base image name included).
sandbox_recipe_hash() {
  { cat docker/sandbox/Dockerfile
    echo "node=$SANDBOX_NODE_VERSION npm=$SANDBOX_NPM_VERSION corepack=$SANDBOX_COREPACK_VERSION base=${SANDBOX_BASE_IMAGE:-}"
  } | sha256sum | cut -d' ' -f1
}

# True when the image exists and was built from the current recipe.
sandbox_image_current() {
  local built
  built=$(docker image inspect -f "{{ index .Config.Labels \"$SANDBOX_RECIPE_LABEL\" }}" "$PATCHBAY_SANDBOX_IMAGE" 2>/dev/null) || return 1
  [ "$built" = "$(sandbox_recipe_hash)" ]
}
