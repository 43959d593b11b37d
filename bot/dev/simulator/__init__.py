"""A local Lex V2 runtime simulator driven by the bot definition in template.yaml.

sim = LexSimulator.from_template("template.yaml", handler=lambda_handler)
result = sim.say("I'd like to make a payment")
result.messages, result.intent, result.dialog_action, result.slot_to_elicit
"""

from bot.dev.simulator.api import InvalidLambdaResponse, SimResult
from bot.dev.simulator.definition import BotDefinition, BotDefinitionError, load_definition
from bot.dev.simulator.runtime import LexSimulator

__all__ = [
    "BotDefinition",
    "BotDefinitionError",
    "InvalidLambdaResponse",
    "LexSimulator",
    "SimResult",
    "load_definition",
]
